import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Level } from '#domain';
import { LEVELS } from '#domain';
import { InprocBus } from '#bus/adapters';
import type { EventStore } from '#event-store';
import type { LiveViewLimits, RequestLimits, SessionLimits } from '#http';
import { TokenService, createHttpApp } from '#http';
import type { RuntimeAuditOptions } from '#audit';
import { LinkageRuntime, SettableClock, chainedMemoryStore, openChainedSqliteStore } from '#linkage';
import type { ScenarioTarget } from './runner.js';

export interface EmbeddedHarness extends ScenarioTarget {
  readonly app: NestFastifyApplication;
  readonly runtime: LinkageRuntime;
  readonly clock: SettableClock;
  readonly tokens: TokenService;
  close(): Promise<void>;
}

/**
 * The embedded default (every level in one process, in-process bus) with its HTTP edge reached
 * in process (Fastify's inject: the full request pipeline, no socket): on SQLite files under
 * `dataDir`, or in memory without one.
 */
/**
 * A scenario drives hundreds of commands a minute through one token, as an office's client never
 * would: the harness lifts the rate limits unless a test sets its own.
 */
const HARNESS_LIMITS: RequestLimits = { perMinute: 1_000_000, expensivePerMinute: 1_000_000, requestTimeoutMs: 30_000 };

export const startEmbeddedHarness = async (
  options: {
    dataDir?: string;
    start?: string;
    audit?: RuntimeAuditOptions;
    limits?: RequestLimits;
    liveViews?: Partial<LiveViewLimits>;
    sessions?: Partial<SessionLimits>;
    /** TOKEN_MAX_LIFETIME of the harness's tokens, in seconds (default 12 h). */
    tokenMaxLifetimeSeconds?: number;
    /** Opens each level's store instead (e.g. on an EventStoreDB); the runtime closes them. */
    openStore?: (level: Level) => EventStore;
  } = {},
): Promise<EmbeddedHarness> => {
  const clock = new SettableClock(options.start ?? new Date().toISOString());
  const openStore =
    options.openStore ??
    ((level: Level): EventStore => (options.dataDir ? openChainedSqliteStore(join(options.dataDir, `${level}.events.db`)) : chainedMemoryStore()));
  const runtime = await LinkageRuntime.start({ levels: LEVELS, clock, bus: new InprocBus(), openStore, dataDir: options.dataDir, audit: options.audit });
  const tokens = await TokenService.withNewKeys({
    levelOf: (jurisdiction) => runtime.levelOf(jurisdiction),
    ...(options.tokenMaxLifetimeSeconds !== undefined ? { maxLifetimeSeconds: options.tokenMaxLifetimeSeconds } : {}),
  });
  const app = await createHttpApp({
    runtime,
    tokens,
    logger: false,
    swaggerUi: false,
    limits: options.limits ?? HARNESS_LIMITS,
    liveViews: options.liveViews,
    ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
  });
  const http = app.getHttpAdapter().getInstance();
  const request = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await http.inject({
      method,
      url: path,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: response.statusCode, body: response.body };
  };
  return {
    app,
    runtime,
    clock,
    tokens,
    mint: (actor) => tokens.mint(actor),
    command: (_level, path, body, headers) => request('POST', path, headers, body),
    read: (_level, path, headers) => request('GET', path, headers),
    levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) ?? 'province',
    settle: () => runtime.settle(),
    heads: async () =>
      (await Promise.all(runtime.levels.map(async (level) => `${level}:${await runtime.node(level)!.store.headPosition()}`))).join(' '),
    close: async () => {
      await app.close();
      await runtime.stop();
    },
  };
};
