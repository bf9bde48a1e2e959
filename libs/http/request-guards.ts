/**
 * What one client may ask of a level service: a rate per bearer token (a stricter one on the routes
 * that replay or recompute history), and a whole request, body included, within a time limit, so
 * that a body trickled a byte at a time cannot hold a connection for minutes.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RequestTimedOut, TooManyRequests } from './problems.js';

export interface RequestLimits {
  /** Requests per minute per bearer token (per address without one), over all ordinary routes together. */
  readonly perMinute: number;
  /** Requests per minute per token on each expensive route (audit replay, lineage, export, verify, as-of, rebuild). */
  readonly expensivePerMinute: number;
  /** The whole request, headers and body, must have arrived within this. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { perMinute: 300, expensivePerMinute: 30, requestTimeoutMs: 30_000 };

/** Marks a route whose requests cost far more than a report: replays, exports, verification, rebuilds. */
export const Expensive = () => RouteConfig({ expensive: true });

/**
 * Marks the sign-in route: the expensive routes' limit, counted per address whatever token or cookie
 * the request carries, so that a client cannot get a fresh bucket by sending another one.
 */
export const SignInLimited = () => RouteConfig({ expensive: true, byAddress: true });

/** Marks a route never rate limited (liveness probes). */
export const Unlimited = () => RouteConfig({ rateLimit: false });

/** The browser session cookie's value (sessions.ts SESSION_COOKIE), read from the header itself: the cookie plugin may not have parsed it yet. */
const SESSION_COOKIE_VALUE = /(?:^|;\s*)il_session=([^;\s]+)/;

/**
 * The client a request counts against: its bearer token (hashed, never kept), else its browser
 * session, else its address. A forged token or cookie gets its own bucket, but is refused with 401
 * by the guard right after. Browsers behind one office proxy share an address, not a session.
 */
const clientOf = (request: FastifyRequest): string => {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.length > 0) return `token:${createHash('sha256').update(authorization).digest('base64url')}`;
  const session = typeof request.headers.cookie === 'string' ? SESSION_COOKIE_VALUE.exec(request.headers.cookie)?.[1] : undefined;
  if (session !== undefined) return `session:${createHash('sha256').update(session).digest('base64url')}`;
  return `address:${request.ip}`;
};

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;
type LocalStoreCtor = new (continueExceeding?: boolean, exponentialBackoff?: boolean, cache?: number) => FastifyRateLimitStore & {
  read(key: string, callback: Counted, timeWindow: number, max: number): void;
};
// The plugin's own in-memory store, loaded by path: the package exports no name for it.
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as LocalStoreCtor;

/**
 * The plugin's in-memory store, answering each count with a copy. The store hands every caller the
 * one live record of a key, and the plugin reads it after an await: concurrent requests then all
 * read the last count, so a burst of 60 against a limit of 20 refused all 60 instead of 40.
 */
class SnapshotStore {
  private readonly counts: InstanceType<LocalStoreCtor>;

  constructor(options: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number }) {
    this.counts = new LocalStore(options.continueExceeding, options.exponentialBackoff, options.cache);
  }

  incr(key: string, callback: Counted, timeWindow: number, max: number): void {
    this.counts.incr(key, (error, result) => callback(error, result && { current: result.current, ttl: result.ttl }), timeWindow, max);
  }

  read(key: string, callback: Counted, timeWindow: number, max: number): void {
    this.counts.read(key, (error, result) => callback(error, result && { current: result.current, ttl: result.ttl }), timeWindow, max);
  }

  child(options: { continueExceeding?: boolean; exponentialBackoff?: boolean; cache?: number }): SnapshotStore {
    return new SnapshotStore(options);
  }
}

export const registerRequestGuards = async (fastify: FastifyInstance, limits: RequestLimits): Promise<void> => {
  // Runs before the rate limiter's own onRoute hook: an expensive route gets a bucket of its own.
  fastify.addHook('onRoute', (route) => {
    const config = route.config as { expensive?: boolean; byAddress?: boolean; rateLimit?: unknown } | undefined;
    if (config?.expensive && config.rateLimit === undefined) {
      route.config = {
        ...config,
        rateLimit: { max: limits.expensivePerMinute, timeWindow: 60_000, ...(config.byAddress ? { keyGenerator: (request: FastifyRequest) => `address:${request.ip}` } : {}) },
      };
    }
  });
  await fastify.register(rateLimit, {
    global: true,
    // The plugin types route options for child(); it passes the merged limit parameters.
    store: SnapshotStore as unknown as FastifyRateLimitStoreCtor,
    max: limits.perMinute,
    timeWindow: 60_000,
    hook: 'onRequest',
    keyGenerator: clientOf,
    errorResponseBuilder: (_request, context) => new TooManyRequests(`more than ${context.max} requests in a minute; retry in ${context.after}`, Math.ceil(context.ttl / 1000)),
  });
  guardRequestTime(fastify, limits.requestTimeoutMs);
};

const TIMED_OUT = Symbol('inspection-linkage.request-timed-out');

/**
 * Refuses with 408 a request whose body has not fully arrived in time, and closes its connection.
 * Node's own requestTimeout is checked only every 30 s and cannot be tightened through Fastify.
 */
const guardRequestTime = (fastify: FastifyInstance, timeoutMs: number): void => {
  fastify.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    if (raw.complete) return done();
    const timer = setTimeout(() => {
      if (raw.complete) return;
      (request as unknown as Record<symbol, boolean>)[TIMED_OUT] = true;
      const error = new RequestTimedOut(`the request did not arrive within ${timeoutMs} ms`);
      // The body reader listens for errors while it reads; without a reader, drop the connection.
      if (raw.listenerCount('error') > 0) raw.emit('error', error);
      else raw.socket?.destroy();
    }, timeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    reply.raw.once('finish', clear);
    done();
  });
  // A trickling client must not keep the connection once it has its answer.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if ((request as unknown as Record<symbol, boolean>)[TIMED_OUT]) reply.header('connection', 'close');
    return payload;
  });
};
