import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { LEVELS } from '#domain';
import type { Actor } from '#domain';
import { InprocBus } from '#bus/adapters';
import { RunCommand, TokenService, createHttpApp } from '#http';
import { CommandBus } from '@nestjs/cqrs';
import { LinkageRuntime, SettableClock, openChainedSqliteStore } from '#linkage';
import type { OperationsLogger } from '#observability';
import { createOperationsLog, operationsLog, startTracing, stopTracing, useOperationsLog } from '#observability';
import { cityRoundSetup, recordIssue } from './command.js';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

const TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };
const UNITS = 50;
const WARMUP = 500;
const MEASURED = 2_000;
/** Runs per arm, interleaved, the best kept: a shared machine's load comes and goes. */
const ROUNDS = 5;

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
}

const ARMS: readonly Arm[] = [
  { label: 'off', log: () => createOperationsLog({ level: 'silent' }), traced: false },
  { label: 'logs', log: () => createOperationsLog({ level: 'info', destination: nowhere() }), traced: false },
  { label: 'on', log: () => createOperationsLog({ level: 'info', destination: nowhere() }), traced: true },
];

/** What the runs of one arm measured: commands per second (wall clock), µs of CPU per command. */
interface ArmRuns {
  readonly best: BenchResult;
  readonly throughputs: number[];
  readonly cpuMicros: number[];
}

const spreadOf = (values: readonly number[]): string => `${round(Math.min(...values), 1)}-${round(Math.max(...values), 1)}`;

/** The share of `off`'s throughput `on` loses: by the best wall-clock runs, and by the least CPU time per command. */
const lossOf = (off: ArmRuns, on: ArmRuns) => ({
  wall: round(100 * (1 - on.best.value / off.best.value), 1),
  cpu: round(100 * (1 - Math.min(...off.cpuMicros) / Math.min(...on.cpuMicros)), 1),
});

/**
 * http_command_throughput: recordIssue over HTTP (Fastify's inject: the whole request pipeline,
 * rate limits, token check, validation, the request log line and the metrics, no socket), with
 * observability off (log at `silent`, no tracing), logs only (log at `info` into a discarding
 * stream) and on (the same log, and every command traced, its spans sent over OTLP/HTTP to a sink
 * on this machine), so the differences are what the request line and the spans cost. Relays and
 * projections are stopped. `HTTP_BENCH_ARMS` (e.g. `on`) runs only the arms it names, to profile one.
 */
export const benchHttpCommandThroughput = async (): Promise<BenchResult[]> => {
  const chosen = process.env.HTTP_BENCH_ARMS?.split(',');
  const arms = chosen ? ARMS.filter((arm) => chosen.includes(arm.label)) : ARMS;
  const runs = new Map<Arm['label'], ArmRuns>();
  const previous = operationsLog();
  const sink = await startTraceSink();
  let received = { spans: 0, requests: 0 };
  let commandsTraced = 0;
  try {
    for (let run = 0; run < ROUNDS; run++) {
      for (const arm of arms) {
        useOperationsLog(arm.log());
        if (arm.traced) {
          await startTracing({ settings: { url: sink.url, serviceName: 'inspection-linkage-bench', sampler: 'parentbased_always_on', samplerRatio: 1 } });
        }
        try {
          const { result, cpuMicrosPerCommand } = await runOnce(arm.label);
          const runsSoFar = runs.get(arm.label) ?? { best: result, throughputs: [], cpuMicros: [] };
          runsSoFar.throughputs.push(result.value);
          runsSoFar.cpuMicros.push(cpuMicrosPerCommand);
          runs.set(arm.label, { ...runsSoFar, best: result.value > runsSoFar.best.value ? result : runsSoFar.best });
        } finally {
          // Shutting down sends what the batch still holds: the sink's count is then complete.
          if (arm.traced) await stopTracing();
        }
        if (arm.traced) commandsTraced += WARMUP + MEASURED;
      }
    }
  } finally {
    useOperationsLog(previous);
    received = await sink.counts();
    await sink.close();
  }
  const results: BenchResult[] = [];
  for (const [label, armRuns] of runs) {
    results.push({
      ...armRuns.best,
      detail: `${armRuns.best.detail}; runs: ${spreadOf(armRuns.throughputs)} commands/s, ${spreadOf(armRuns.cpuMicros)} µs of CPU per command`,
    });
  }
  const [off, logs, on] = [runs.get('off'), runs.get('logs'), runs.get('on')];
  const cpuOf = (armRuns: ArmRuns) => `${round(Math.min(...armRuns.cpuMicros), 1)} µs`;
  if (off && on) {
    const loss = lossOf(off, on);
    results.push(
      {
        name: 'observability_overhead_pct',
        value: loss.wall,
        unit: '%',
        detail:
          `throughput lost to logs and tracing: http_command_throughput_observability_on (${on.best.value}) against _off (${off.best.value}), ` +
          `best of ${ROUNDS} runs each, measured in the same sitting, interleaved; the sink on 127.0.0.1 (a process of its own) took ${received.spans} spans in ${received.requests} OTLP/HTTP requests ` +
          `for ${commandsTraced} traced commands (those over HTTP and the setup's); metrics are on in every arm (they cannot be turned off)`,
      },
      {
        name: 'observability_overhead_cpu_pct',
        value: loss.cpu,
        unit: '%',
        detail:
          `the same sitting judged by this process's CPU time per command instead of wall-clock time (least of ${ROUNDS} runs per arm): ` +
          `${cpuOf(on)} on against ${cpuOf(off)} off; the throughput a command loses when the process is CPU-bound, ` +
          'less swayed than the wall clock by other work on the machine (the collector sink runs in a process of its own)',
      },
    );
  }
  if (logs && on) {
    const loss = lossOf(logs, on);
    results.push(
      { name: 'tracing_overhead_pct', value: loss.wall, unit: '%', detail: `throughput lost to tracing alone: _on (${on.best.value}) against _logs (${logs.best.value}), best of ${ROUNDS} runs each` },
      { name: 'tracing_overhead_cpu_pct', value: loss.cpu, unit: '%', detail: `tracing alone by CPU time per command (least of ${ROUNDS} runs): ${cpuOf(on)} on against ${cpuOf(logs)} with logs only` },
    );
  }
  return results;
};

/** A run's throughput, and this process's CPU time per measured command (less swayed by a busy machine). */
interface Run {
  readonly result: BenchResult;
  readonly cpuMicrosPerCommand: number;
}

const runOnce = (label: Arm['label']): Promise<Run> =>
  withScratchDir(`http-command-${label}`, async (dataDir) => {
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
      const post = async (n: number) => {
        const { type, data } = recordIssue(n, UNITS);
        const response = await http.inject({ method: 'POST', url: `/v1/commands/${type}`, headers, payload: JSON.stringify(data) });
        if (response.statusCode !== 201) throw new Error(`recordIssue ${n}: ${response.statusCode} ${response.body}`);
      };
      for (let n = 0; n < WARMUP; n++) await post(n);
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      for (let n = WARMUP; n < WARMUP + MEASURED; n++) await post(n);
      const cpu = process.cpuUsage(cpuBefore);
      const seconds = (performance.now() - started) / 1000;
      const result: BenchResult = {
        name: `http_command_throughput_observability_${label}`,
        value: round(MEASURED / seconds),
        unit: 'commands/s',
        detail:
          `best of ${ROUNDS} interleaved runs of ${MEASURED} recordIssue commands over HTTP inject on SQLite (synchronous=NORMAL), with metrics, ` +
          { off: 'log level silent, tracing off', logs: 'log level info into a discarding stream (one JSON line per request), tracing off', on: 'log level info into a discarding stream (one JSON line per request), every command traced (OTLP/HTTP JSON, batched, to a local sink)' }[label] +
          '; relays and projections stopped',
      };
      return { result, cpuMicrosPerCommand: (cpu.user + cpu.system) / MEASURED };
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
