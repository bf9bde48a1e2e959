import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { KafkaBus } from '#bus/adapters';
import { loadConfig } from '#config';
import { kafkaSecurityOf } from '#linkage';
import { problemsOf } from '../support/configuration.js';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'kafka-tls');
/** A self-signed certificate and its key, made for these tests only (CN says so). */
const CERT = join(FIXTURES, 'test-client.cert.pem');
const KEY = join(FIXTURES, 'test-client.key.pem');
const kafka = { LINKAGE_BUS: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092', DATA_DIR: '/nonexistent-data-dir' };

describe('Kafka TLS and SASL settings', () => {
  it('speaks plaintext without authentication unless told otherwise', () => {
    const config = loadConfig(kafka);
    expect(config.kafkaSecurity).toEqual({});
    expect(kafkaSecurityOf(config)).toEqual({});
  });

  it('trusts Node’s bundled CAs with KAFKA_SSL alone, and takes a CA, a client certificate and SASL', () => {
    expect(kafkaSecurityOf(loadConfig({ ...kafka, KAFKA_SSL: 'true' }))).toEqual({ ssl: true });
    const config = loadConfig({
      ...kafka,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: CERT,
      KAFKA_SSL_CERT_FILE: CERT,
      KAFKA_SSL_KEY_FILE: KEY,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'linkage-city',
      KAFKA_SASL_PASSWORD: 's3cret',
    });
    expect(kafkaSecurityOf(config)).toEqual({
      ssl: { ca: readFileSync(CERT, 'utf8'), cert: readFileSync(CERT, 'utf8'), key: readFileSync(KEY, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username: 'linkage-city', password: 's3cret' },
    });
  });

  it('names every bad setting at once', () => {
    expect(
      problemsOf({
        ...kafka,
        KAFKA_SSL: 'yes',
        KAFKA_SSL_CA_FILE: join(FIXTURES, 'missing.pem'),
        KAFKA_SSL_CERT_FILE: KEY,
        KAFKA_SASL_MECHANISM: 'gssapi',
        KAFKA_SASL_PASSWORD: 'p',
      }),
    ).toEqual([
      expect.stringMatching(/^KAFKA_SSL=yes /),
      'KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE are set but KAFKA_SSL is not true',
      `KAFKA_SSL_CA_FILE=${join(FIXTURES, 'missing.pem')} cannot be read (ENOENT)`,
      `KAFKA_SSL_CERT_FILE=${KEY} holds no PEM certificate that Node can read`,
      'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: a client certificate needs its key',
      expect.stringMatching(/^KAFKA_SASL_MECHANISM=gssapi /),
      'KAFKA_SASL_MECHANISM=gssapi needs KAFKA_SASL_USERNAME',
    ]);
  });

  it('refuses SASL PLAIN without TLS, and SASL credentials without a mechanism', () => {
    expect(problemsOf({ ...kafka, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true (or use scram-sha-256 / scram-sha-512)',
    ]);
    expect(problemsOf({ ...kafka, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([]);
    expect(problemsOf({ ...kafka, KAFKA_SASL_USERNAME: 'u' })).toEqual(['KAFKA_SASL_USERNAME is set but KAFKA_SASL_MECHANISM is not']);
  });

  it('opens its broker connections with TLS when told to: the first bytes on the wire are a TLS handshake', async () => {
    const firstBytes: Buffer[] = [];
    const sockets = new Set<Socket>();
    const broker = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', (chunk: Buffer) => {
        firstBytes.push(chunk);
        socket.destroy();
      });
    });
    broker.listen(0, '127.0.0.1');
    await once(broker, 'listening');
    const { port } = broker.address() as AddressInfo;
    const bus = new KafkaBus({ brokers: [`127.0.0.1:${port}`], clientId: 'tls-wire-test', ssl: true, logLevel: kafkajs.logLevel.NOTHING });
    const publishing = bus.publish([{ topic: 'linkage.county.v1', key: 'k', value: '{}' }]).catch(() => undefined);
    try {
      while (firstBytes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // A TLS record of type handshake (22), version 3.x: a ClientHello, not a Kafka request.
      expect([firstBytes[0]![0], firstBytes[0]![1]]).toEqual([0x16, 0x03]);
    } finally {
      await bus.close();
      await publishing;
      for (const socket of sockets) socket.destroy();
      broker.close();
    }
  }, 30_000);
});
