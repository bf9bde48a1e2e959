import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LEVELS } from '#domain';
import type { Actor } from '#domain';
import { InprocBus } from '#bus/adapters';
import { RunCommand, TokenService, createHttpApp } from '#http';
import { CommandBus } from '@nestjs/cqrs';
import { LinkageRuntime, SettableClock, openChainedSqliteStore } from '#linkage';
import type { OperationsLogger, TraceSamplerName } from '#observability';
import { TRACE_SAMPLERS, createOperationsLog, flushTracing, operationsLog, startTracing, stopTracing, useOperationsLog } from '#observability';
import { cityRoundSetup, recordIssue } from './command.js';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

const TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };
const UNITS = 50;
/** Commands per arm before anything is timed: every arm's path compiled by the JIT. */
const WARMUP = 500;
/** Timed blocks per arm, and commands per block. */
const ROUNDS = 40;
const BLOCK = 250;

/** Discards what it is given, as fast as a pipe nobody reads would not: only the log's own cost is timed. */
const nowhere = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

/** The spans a local collector was sent: a stand-in for an OpenTelemetry collector's OTLP/HTTP receiver. */
interface TraceSink {
  readonly url: string;
  /** Spans and requests received so far. */
  counts(): Promise<{ readonly spans: number; readonly requests: number }>;
  close(): Promise<void>;
}

/**
 * The sink's HTTP server, in a process of its own as a collector is: neither its parsing nor its
 * CPU time is counted against the commands measured here. It parses each request as a collector
 * would (OTLP/HTTP JSON: resourceSpans[].scopeSpans[].spans[]) and counts the spans.
 */
const SINK_PROCESS = `
const { createServer } = require('node:http');
let spans = 0;
let requests = 0;
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method !== 'POST' || request.url !== '/v1/traces') return void response.writeHead(404).end();
    requests += 1;
    const body = JSON.parse(Buffer.concat(chunks).toString());
    for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans += (scope.spans ?? []).length;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'counts') process.send({ spans, requests });
  else server.close(() => process.exit(0));
});
`;

const startTraceSink = async (): Promise<TraceSink> => {
  const sink = spawn(process.execPath, ['-e', SINK_PROCESS], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = <T>(): Promise<T> =>
    new Promise((resolve, reject) => {
      sink.once('message', (message) => resolve(message as T));
      sink.once('error', reject);
    });
  const { port } = await next<{ port: number }>();
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    counts: async () => {
      const counted = next<{ spans: number; requests: number }>();
      sink.send('counts');
      return counted;
    },
    close: async () => {
      const exited = new Promise((resolve) => sink.once('exit', resolve));
      sink.send('close');
      await exited;
    },
  };
};

/** One arm of the sitting: the log it writes to, and whether spans go to the sink. */
interface Arm {
  readonly label: 'off' | 'logs' | 'on';
  readonly log: () => OperationsLogger;
  readonly traced: boolean;
  readonly detail: string;
}

const ARMS: readonly Arm[] = [
  { label: 'off', log: () => createOperationsLog({ level: 'silent' }), traced: false, detail: 'log level silent, tracing off' },
  { label: 'logs', log: () => createOperationsLog({ level: 'info', destination: nowhere() }), traced: false, detail: 'log level info into a discarding stream (one JSON line per request), tracing off' },
  {
    label: 'on',
    log: () => createOperationsLog({ level: 'info', destination: nowhere() }),
    traced: true,
    detail: 'log level info into a discarding stream (one JSON line per request), every command traced (OTLP/HTTP JSON, batched, to a local sink; sending what a block left in the batch counted with it, its CPU time but not the wait for the answer of the sink)',
  },
];

/** A timed block: wall-clock seconds and this process's CPU µs for BLOCK commands. */
interface Block {
  readonly seconds: number;
  readonly cpuMicros: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const quartilesOf = (values: readonly number[]): string => {
  const sorted = [...values].sort((x, y) => x - y);
  return `${round(sorted[Math.floor((sorted.length - 1) / 4)]!, 1)} to ${round(sorted[Math.ceil((3 * (sorted.length - 1)) / 4)]!, 1)}`;
};

/**
 * What `on` costs against `off`, round by round (their blocks ran next to each other, under the
 * same load): the median of the rounds' losses of throughput, wall clock and CPU time per command,
 * and the middle half of them (the spread).
 */
const lossOf = (off: readonly Block[], on: readonly Block[]) => {
  const wall = off.map((block, index) => 100 * (1 - block.seconds / on[index]!.seconds));
  const cpu = off.map((block, index) => 100 * (1 - block.cpuMicros / on[index]!.cpuMicros));
  return { wall: round(median(wall), 1), wallSpread: quartilesOf(wall), cpu: round(median(cpu), 1), cpuSpread: quartilesOf(cpu) };
};

/**
 * http_command_throughput: recordIssue over HTTP (Fastify's inject: the whole request pipeline,
 * rate limits, token check, validation, the request log line and the metrics, no socket), with
 * observability off (log at `silent`, no tracing), logs only (log at `info` into a discarding
 * stream) and on (the same log, and every command traced, its spans sent over OTLP/HTTP to a sink
 * on this machine), so the differences are what the request line and the spans cost. Relays and
 * projections are stopped.
 *
 * One app serves every arm, switched between blocks of BLOCK commands, the arms' order turning
 * each round: on a shared machine the load of other work comes and goes within seconds, and arms
 * run side by side meet the same load, so each round compares its own blocks and the figures are
 * the median round's. `HTTP_BENCH_ARMS` (e.g. `on`) runs only the arms it names, to profile one;
 * `HTTP_BENCH_SAMPLER` (e.g. `always_off`) gives the on arm another sampler.
 */
export const benchHttpCommandThroughput = async (): Promise<BenchResult[]> => {
  const chosen = process.env.HTTP_BENCH_ARMS?.split(',');
  // The default sampler keeps every trace; another (always_off) splits what recording and sending
  // spans cost from what tracing costs a command whose span records nothing.
  const sampler = (process.env.HTTP_BENCH_SAMPLER ?? 'parentbased_always_on') as TraceSamplerName;
  if (!TRACE_SAMPLERS.includes(sampler)) throw new Error(`HTTP_BENCH_SAMPLER=${sampler} is not one of ${TRACE_SAMPLERS.join(', ')}`);
  const arms = chosen ? ARMS.filter((arm) => chosen.includes(arm.label)) : ARMS;
  const blocks = new Map<Arm['label'], Block[]>(arms.map((arm) => [arm.label, []]));
  const previous = operationsLog();
  const sink = await startTraceSink();
  let received = { spans: 0, requests: 0 };
  let commandsTraced = 0;
  try {
    await withScratchDir('http-command', async (dataDir) => {
      const runtime = await LinkageRuntime.start({
        levels: LEVELS,
        clock: new SettableClock('2024-03-01T08:00:00.000Z'),
        bus: new InprocBus(),
        openStore: (level) => openChainedSqliteStore(join(dataDir, `${level}.events.db`), { synchronous: 'NORMAL' }),
        dataDir,
        live: false,
      });
      const tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
      const app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false, limits: { perMinute: 10_000_000, expensivePerMinute: 10_000_000, requestTimeoutMs: 30_000 } });
      try {
        const commands = app.get(CommandBus);
        for (const { command, actor } of cityRoundSetup(UNITS)) await commands.execute(new RunCommand(command, actor));
        const http = app.getHttpAdapter().getInstance();
        const headers = { authorization: `Bearer ${await tokens.mint(TEAM)}`, 'content-type': 'application/json' };
        let sent = 0;
        const post = async () => {
          const { type, data } = recordIssue(sent++, UNITS);
          const response = await http.inject({ method: 'POST', url: `/v1/commands/${type}`, headers, payload: JSON.stringify(data) });
          if (response.statusCode !== 201) throw new Error(`recordIssue ${sent}: ${response.statusCode} ${response.body}`);
        };
        const inArm = async (arm: Arm, count: number): Promise<Block> => {
          useOperationsLog(arm.log());
          if (arm.traced) {
            await startTracing({ settings: { url: sink.url, serviceName: 'inspection-linkage-bench', sampler, samplerRatio: 1 } });
            commandsTraced += count;
          }
          try {
            const started = performance.now();
            const cpuBefore = process.cpuUsage();
            for (let n = 0; n < count; n++) await post();
            const seconds = (performance.now() - started) / 1000;
            // The spans this block left in the batch are sent now: the CPU time it takes is counted
            // with the block, not the wait for the sink's answer (a command never waits on it).
            let flushSeconds = 0;
            if (arm.traced) {
              const flushBefore = process.cpuUsage();
              await flushTracing();
              const flush = process.cpuUsage(flushBefore);
              flushSeconds = (flush.user + flush.system) / 1e6;
            }
            const cpu = process.cpuUsage(cpuBefore);
            return { seconds: seconds + flushSeconds, cpuMicros: cpu.user + cpu.system };
          } finally {
            if (arm.traced) await stopTracing();
          }
        };
        for (const arm of arms) await inArm(arm, WARMUP);
        for (let run = 0; run < ROUNDS; run++) {
          for (let turn = 0; turn < arms.length; turn++) {
            const arm = arms[(run + turn) % arms.length]!;
            blocks.get(arm.label)!.push(await inArm(arm, BLOCK));
          }
        }
      } finally {
        await app.close();
        await runtime.stop();
      }
    });
  } finally {
    useOperationsLog(previous);
    received = await sink.counts();
    await sink.close();
  }
  const results: BenchResult[] = [];
  for (const arm of arms) {
    const armBlocks = blocks.get(arm.label)!;
    const seconds = armBlocks.reduce((sum, block) => sum + block.seconds, 0);
    const cpuMicros = armBlocks.reduce((sum, block) => sum + block.cpuMicros, 0);
    results.push({
      name: `http_command_throughput_observability_${arm.label}`,
      value: round((ROUNDS * BLOCK) / seconds),
      unit: 'commands/s',
      detail:
        `${ROUNDS} blocks of ${BLOCK} recordIssue commands over HTTP inject on SQLite (synchronous=NORMAL), interleaved with the other arms' in one app, with metrics, ${arm.detail}; ` +
        `relays and projections stopped; ${round(cpuMicros / (ROUNDS * BLOCK), 1)} µs of CPU per command; blocks: ${quartilesOf(armBlocks.map((block) => BLOCK / block.seconds))} commands/s (middle half)`,
    });
  }
  const [off, logs, on] = [blocks.get('off'), blocks.get('logs'), blocks.get('on')];
  if (off && on) {
    const loss = lossOf(off, on);
    results.push(
      {
        name: 'observability_overhead_pct',
        value: loss.wall,
        unit: '%',
        detail:
          `throughput lost to logs and tracing, on against off: the median of ${ROUNDS} rounds' (middle half ${loss.wallSpread} %), each round's blocks side by side; ` +
          `sampler ${sampler}; the sink on 127.0.0.1 (a process of its own) took ${received.spans} spans in ${received.requests} OTLP/HTTP requests for ${commandsTraced} traced commands; ` +
          'metrics are on in every arm (they cannot be turned off)',
      },
      {
        name: 'observability_overhead_cpu_pct',
        value: loss.cpu,
        unit: '%',
        detail:
          `the same rounds judged by this process's CPU time per command instead of wall-clock time (middle half ${loss.cpuSpread} %): the throughput a command loses when the process is CPU-bound, ` +
          'less swayed than the wall clock by other work on the machine (the collector sink runs in a process of its own)',
      },
    );
  }
  if (logs && on) {
    const loss = lossOf(logs, on);
    results.push(
      { name: 'tracing_overhead_pct', value: loss.wall, unit: '%', detail: `throughput lost to tracing alone, on against logs: the median round's (middle half ${loss.wallSpread} %)` },
      { name: 'tracing_overhead_cpu_pct', value: loss.cpu, unit: '%', detail: `tracing alone by CPU time per command: the median round's (middle half ${loss.cpuSpread} %)` },
    );
  }
  return results;
};
