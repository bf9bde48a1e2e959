import { generateKeyPairSync } from 'node:crypto';
import { InvalidSigningKey, generateSigningKey, generateSigningKeyPem, parseSigningKey, signChainHead, signatureProblem } from './signing.js';

const head = { level: 'county' as const, position: 42, hash: 'ab'.repeat(32), signedAt: '2021-11-20T01:00:00.000Z' };

describe('signed chain heads', () => {
  it('verify with the key they carry, and every signed field is covered', () => {
    const key = generateSigningKey();
    const signed = signChainHead(key, head);
    expect(signed).toMatchObject({ ...head, algorithm: 'Ed25519', publicKey: key.publicKey, keyId: key.keyId });
    expect(signatureProblem(signed)).toBeUndefined();
    for (const forged of [
      { ...signed, position: 43 },
      { ...signed, hash: 'cd'.repeat(32) },
      { ...signed, level: 'city' as const },
      { ...signed, signedAt: '2021-11-20T01:00:00.001Z' },
    ]) {
      expect(signatureProblem(forged)).toBe('signature does not match the head');
    }
  });

  it('cannot be re-labelled with another key', () => {
    const signed = signChainHead(generateSigningKey(), head);
    const other = generateSigningKey();
    expect(signatureProblem({ ...signed, publicKey: other.publicKey, keyId: other.keyId })).toBe('signature does not match the head');
    expect(signatureProblem({ ...signed, keyId: other.keyId })).toBe('carries a key id that is not the hash of its public key');
    expect(signatureProblem({ ...signed, publicKey: 'not a key' })).toBe('carries an unreadable public key');
  });

  it('reads a key as PEM or as base64 DER, and only an Ed25519 one', () => {
    const pem = generateSigningKeyPem();
    const fromPem = parseSigningKey(pem);
    const der = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    expect(parseSigningKey(der).keyId).toBe(fromPem.keyId);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parseSigningKey(rsa)).toThrow(/must be Ed25519/);
    expect(() => parseSigningKey('hello')).toThrow(InvalidSigningKey);
  });
});
