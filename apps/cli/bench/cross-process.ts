import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor, Level } from '#domain';
import { LEVELS } from '#domain';
import { newDeploymentTokenKeys } from '#http';
import { RemoteTarget } from '#scenario';
import { withBenchKafka } from './kafka-cluster.js';
import type { BenchResult } from './result.js';
import { percentile, round, withScratchDir } from './scratch.js';

const COUNTY = '350624';
const COUNTY_OFFICE: Actor = { id: 'za-office', jurisdiction: COUNTY, role: 'leading-group' };
const COUNTY_TEAM: Actor = { id: 'za-team', jurisdiction: COUNTY, role: 'team' };
const PROVINCE_READER: Actor = { id: 'bench-dashboard', jurisdiction: '350000', role: 'admin' };
const TEAM_ID = 'za-bench-team';

/**
 * librdkafka's mock broker holds an empty fetch for the whole wait even when records arrive
 * meanwhile (a real broker answers as soon as fetch.min.bytes are there), so the wait bounds the
 * mock's extra delay per hop; it is the services' KAFKA_MAX_WAIT_MS here.
 */
const FETCH_WAIT_MS = 50;
const HEALTH_TIMEOUT_MS = 60_000;

const setup: { command: string; body: Record<string, unknown> }[] = [
  { command: 'registerUnit', body: { unitId: 'za-bench-depot', name: '诏安县中心粮库', jurisdiction: COUNTY } },
  { command: 'planRound', body: { roundId: 'za-bench-round', title: '涉粮专项巡察', kind: 'special', theme: 'grain', targets: ['za-bench-depot'] } },
  { command: 'launchRound', body: { roundId: 'za-bench-round' } },
  { command: 'formTeam', body: { teamId: TEAM_ID, roundId: 'za-bench-round', leader: { personId: 'za-leader', homeJurisdiction: COUNTY }, members: [] } },
  { command: 'stationTeam', body: { teamId: TEAM_ID, unitIds: ['za-bench-depot'] } },
];

const freePort = async (): Promise<number> => {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** A level service as its own OS process, from the built apps beside this file (dist/apps/<level>/main.js). */
const startLevel = async (level: Level, port: number, env: Record<string, string>, children: Set<ChildProcess>): Promise<void> => {
  const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', level, 'main.js');
  const output: string[] = [];
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, LEVEL: level, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the ${level} service exited with ${child.exitCode}:\n${output.join('')}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) return;
    if (Date.now() > deadline) {
      throw new Error(`the ${level} service was not healthy within ${HEALTH_TIMEOUT_MS} ms:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const stopLevel = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
};

/**
 * Follows a Server-Sent Events view and calls `onView` with each pushed JSON document and the time
 * it arrived; resolves once the first one is in.
 */
const followView = async (url: string, authorization: string, onView: (view: unknown, at: number) => void, signal: AbortSignal): Promise<void> => {
  const response = await fetch(url, { headers: { authorization, accept: 'text/event-stream' }, signal });
  if (response.status !== 200 || !response.body) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  let first: () => void = () => undefined;
  const firstView = new Promise<void>((resolve) => (first = resolve));
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (data !== '') {
            onView(JSON.parse(data), at);
            first();
          }
        }
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  })();
  await firstView;
};

/**
 * cross_process_p50_ms / _p99_ms: province, city and county as three OS processes (dist/apps/<level>,
 * SQLite stores, Kafka bus), a steady load of county commands over HTTP; for each, the time from
 * the county's 201 to the province's live report (its SSE stream) showing the fact. The commands
 * are receivePetitions (count 1) of one county team: one stream, so one partition, so the province
 * receives them in order and the n-th increment of its `petitions` figure is the n-th command.
 */
export const benchCrossProcess = async (commandsPerSecond = 100, seconds = 15): Promise<BenchResult[]> =>
  withScratchDir('cross-process', (dataDir) =>
    withBenchKafka(async (kafka) => {
      // Each process holds its own level's token key and trusts every level's public keys.
      const tokenKeys = await newDeploymentTokenKeys();
      const jwksFile = join(dataDir, 'trusted.jwks.json');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(jwksFile, JSON.stringify(tokenKeys.jwks));
      const ports = new Map<Level, number>();
      for (const level of LEVELS) ports.set(level, await freePort());
      const children = new Set<ChildProcess>();
      // However this process ends, the services end with it.
      const killChildren = () => children.forEach((child) => child.kill('SIGKILL'));
      process.once('exit', killChildren);
      const abort = new AbortController();
      try {
        process.stderr.write('  starting province, city and county processes...\n');
        await Promise.all(
          LEVELS.map((level) =>
            startLevel(level, ports.get(level)!, {
              DATA_DIR: join(dataDir, level),
              LINKAGE_STORE: 'sqlite',
              LINKAGE_BUS: 'kafka',
              KAFKA_BROKERS: kafka.brokers.join(','),
              KAFKA_NAMESPACE: kafka.namespace,
              KAFKA_SESSION_TIMEOUT_MS: '10000',
              KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
              KAFKA_MAX_WAIT_MS: String(FETCH_WAIT_MS),
              ...tokenKeys.environmentOf(level),
              TOKEN_TRUSTED_JWKS: jwksFile,
              // The load generator is one client sending 100 commands a second.
              RATE_LIMIT_PER_MINUTE: '10000000',
            }, children),
          ),
        );
        const url = (level: Level) => `http://127.0.0.1:${ports.get(level)!}`;
        const target = new RemoteTarget({ services: { province: url('province'), city: url('city'), county: url('county') }, tokenKeys: tokenKeys.keys });
        const bearer = async (actor: Actor) => ({ authorization: `Bearer ${await target.mint(actor)}` });
        for (const { command, body } of setup) {
          const response = await target.command('county', `/v1/commands/${command}`, body, await bearer(COUNTY_OFFICE));
          if (response.status !== 201) throw new Error(`${command}: ${response.status} ${response.body}`);
        }
        await target.settle();

        // The n-th command's fact is in the province's report once `petitions` reaches baseline + n.
        let baseline: number | undefined;
        const shownAt: number[] = [];
        await followView(
          `${url('province')}/v1/reports/350000/live`,
          (await bearer(PROVINCE_READER)).authorization,
          (view, at) => {
            const petitions = (view as { petitions: number }).petitions;
            baseline ??= petitions;
            while (baseline + shownAt.length < petitions) shownAt.push(at);
          },
          abort.signal,
        );

        const total = commandsPerSecond * seconds;
        const acceptedAt: number[] = [];
        const team = await bearer(COUNTY_TEAM);
        const interval = 1000 / commandsPerSecond;
        const begin = performance.now();
        for (let n = 0; n < total; n++) {
          const wait = begin + n * interval - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
          const response = await target.command('county', '/v1/commands/receivePetitions', { teamId: TEAM_ID, channel: 'visit', count: 1 }, team);
          if (response.status !== 201) throw new Error(`receivePetitions: ${response.status} ${response.body}`);
          acceptedAt.push(performance.now());
        }
        const achieved = total / ((performance.now() - begin) / 1000);
        const deadline = Date.now() + 30_000;
        while (shownAt.length < total) {
          if (Date.now() > deadline) throw new Error(`the province report showed ${shownAt.length} of ${total} county facts within 30 s`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // A fact can reach the province before the county's answer reaches this client: 0 then.
        const latencies = acceptedAt.map((accepted, n) => Math.max(0, shownAt[n]! - accepted)).sort((a, b) => a - b);
        const detail =
          `${total} county receivePetitions commands over HTTP at ${round(achieved)}/s (target ${commandsPerSecond}/s) to three OS processes ` +
          `(dist/apps/<level>, SQLite stores) over ${kafka.description}, consumer fetch wait ${FETCH_WAIT_MS} ms; county 201 received → ` +
          `the province's live report (SSE /v1/reports/350000/live) shows the fact; max ${round(latencies[latencies.length - 1]!, 1)} ms`;
        return [
          { name: 'cross_process_p50_ms', value: round(percentile(latencies, 50), 2), unit: 'ms', detail },
          { name: 'cross_process_p99_ms', value: round(percentile(latencies, 99), 2), unit: 'ms', detail },
        ];
      } finally {
        abort.abort();
        await Promise.all([...children].map(stopLevel));
        process.off('exit', killChildren);
      }
    }),
  );
