import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Actor } from '#domain';
import { LEVELS } from '#domain';
import { InprocBus } from '#bus/adapters';
import { TokenService, createHttpApp } from '#http';
import { LinkageRuntime, openChainedSqliteStore, systemClock } from '#linkage';
import { cityRoundSetup } from './command.js';
import type { LiveSubscribersCommand, LiveSubscribersData, LiveSubscribersMessage } from './live-subscribers.js';
import type { BenchResult } from './result.js';
import { percentile, round, withScratchDir } from './scratch.js';

const TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };
const REPORT_PATH = '/v1/reports/350600/live';

/** Sequential POSTs over one kept-alive connection, each timed from sending to the whole answer. */
const commandClient = (port: number, token: string) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (command: string, body: unknown): Promise<number> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: `/v1/commands/${command}`,
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve(performance.now() - started) : reject(new Error(`${command} answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { post, close: () => agent.destroy() };
};

/** The worker's next message of `type`; its failure, or silence for `timeoutMillis`, rejects. */
const nextMessage = (worker: Worker, type: LiveSubscribersMessage['type'], timeoutMillis = 120_000): Promise<LiveSubscribersMessage> =>
  new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      outcome();
    };
    const onError = (error: Error) => settle(() => reject(error));
    const onMessage = (message: LiveSubscribersMessage) => {
      if (message.type === 'failed') settle(() => reject(new Error(message.error)));
      else if (message.type === type) settle(() => resolve(message));
    };
    const timer = setTimeout(() => settle(() => reject(new Error(`the subscribers did not answer ${type} within ${timeoutMillis} ms`))), timeoutMillis);
    worker.on('message', onMessage);
    worker.on('error', onError);
  });

/**
 * live_fanout_p50_ms / _p99_ms: latency of sequential receivePetitions commands over HTTP (a real
 * listening embedded server on SQLite, each command changing the city report) while `subscribers`
 * clients watch that report over Server-Sent Events, each on its own connection, from a worker
 * thread that reads and counts every event; live_fanout_baseline_*: the same commands in the same
 * run before anyone subscribes.
 */
export const benchLiveFanout = async (subscribers = 1_000, commands = 2_000, warmup = 300): Promise<BenchResult[]> =>
  withScratchDir('live', async (dataDir) => {
    const runtime = await LinkageRuntime.start({
      levels: LEVELS,
      clock: systemClock,
      bus: new InprocBus(),
      openStore: (level) => openChainedSqliteStore(join(dataDir, `${level}.events.db`)),
      dataDir,
    });
    const tokens = await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) });
    const app = await createHttpApp({ runtime, tokens, logger: false, swaggerUi: false, liveViews: { maxTotal: subscribers + 10 } });
    let worker: Worker | undefined;
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.getHttpServer().address() as AddressInfo;
      const city = runtime.node('city')!;
      for (const { command, actor } of cityRoundSetup(10)) await city.service.execute({ command, actor });
      await runtime.settle();

      const client = commandClient(port, await tokens.mint(TEAM));
      let petitions = 0;
      const timeCommands = async (count: number): Promise<number[]> => {
        const latencies: number[] = [];
        for (let n = 0; n < count; n++) {
          latencies.push(await client.post('receivePetitions', { teamId: 'bench-team', channel: 'visit', count: 1 }));
          petitions++;
        }
        return latencies.sort((a, b) => a - b);
      };

      await timeCommands(warmup);
      const baseline = await timeCommands(commands);

      const viewerTokens = await Promise.all(
        Array.from({ length: subscribers }, (_, n) => tokens.mint({ id: `viewer-${n}`, jurisdiction: '350600', role: 'viewer' })),
      );
      worker = new Worker(new URL('./live-subscribers.js', import.meta.url), {
        workerData: { port, path: REPORT_PATH, tokens: viewerTokens } satisfies LiveSubscribersData,
      });
      const tell = (command: LiveSubscribersCommand) => worker!.postMessage(command);
      await nextMessage(worker, 'ready');

      await timeCommands(warmup);
      const watched = await timeCommands(commands);
      await runtime.settle();

      // Every subscriber must end on the last view, or the fan-out dropped or lagged behind.
      let counted: Extract<LiveSubscribersMessage, { type: 'counted' }>;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const answer = nextMessage(worker, 'counted');
        tell('count');
        counted = (await answer) as typeof counted;
        const current = counted.lastViews.filter((view) => (view as { petitions?: number } | undefined)?.petitions === petitions).length;
        if (current === subscribers) break;
        if (Date.now() > deadline) throw new Error(`${current}/${subscribers} subscribers reached the last report within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const closed = nextMessage(worker, 'closed');
      tell('close');
      await closed;
      client.close();

      const detail = `${commands} sequential receivePetitions commands over HTTP (one kept-alive connection) to a listening embedded server on SQLite, each changing the city report`;
      const fanout = `${detail}, while ${subscribers} SSE subscribers (own connections, worker thread) watch that report; every subscriber reached the last report`;
      return [
        { name: 'live_fanout_p50_ms', value: round(percentile(watched, 50), 2), unit: 'ms', detail: fanout },
        { name: 'live_fanout_p99_ms', value: round(percentile(watched, 99), 2), unit: 'ms', detail: fanout },
        { name: 'live_fanout_baseline_p50_ms', value: round(percentile(baseline, 50), 2), unit: 'ms', detail: `${detail}, no subscriber (same run, before them)` },
        { name: 'live_fanout_baseline_p99_ms', value: round(percentile(baseline, 99), 2), unit: 'ms', detail: `${detail}, no subscriber (same run, before them)` },
        {
          name: 'live_fanout_events',
          value: counted.events,
          unit: 'events',
          detail: `report events received by ${subscribers} subscribers over ${warmup + commands} commands: ${counted.least}-${counted.most} each`,
        },
      ];
    } finally {
      await worker?.terminate();
      await app.close();
      await runtime.stop();
    }
  });
