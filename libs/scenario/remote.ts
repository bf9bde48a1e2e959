import type { Actor, Jurisdiction, JurisdictionRegistry, Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import type { TokenKeys } from '#http';
import { TokenService } from '#http';
import type { LevelStatus } from '#linkage';
import { loadReferenceRegistry } from '#linkage';
import { HttpClient } from './http-client.js';
import type { ScenarioTarget, TargetResponse } from './runner.js';

/**
 * Facts that have left one process and not yet arrived at another: messages published to the bus
 * that some receiving consumer group has not yet committed. Only the bus can say; a caller that can
 * ask it (e.g. Kafka consumer-group lag through the admin API) gives it to RemoteTarget.
 */
export type BusBacklog = () => Promise<number>;

export interface RemoteSettleOptions {
  /** Pause between two rounds of status polls (default 25 ms). */
  readonly pollMillis?: number;
  /**
   * Without a `backlog` probe: rounds after the first that must find every level caught up and
   * nothing changed before `settle` resolves (default 8, i.e. 200 ms of quiet at the default
   * poll). That window must outlast the longest transit of a fact across the bus: the consumer's
   * fetch wait (KAFKA_MAX_WAIT_MS; a broker may hold an empty fetch that long) plus the inbox
   * append. With a probe one round decides (see `settle`).
   */
  readonly quietPolls?: number;
  readonly timeoutMillis?: number;
  /** Makes `settle` exact rather than a quiet-window judgement (see `settle`). */
  readonly backlog?: BusBacklog;
}

export interface RemoteTargetOptions {
  /** Base URL of the service of each level, e.g. `http://127.0.0.1:3001`; one URL may serve several levels. */
  readonly services: Readonly<Record<Level, string>>;
  /** The token keys of every level (each process holds its own level's): the target acts as anyone. */
  readonly tokenKeys: TokenKeys;
  /** Reference registry file the services use, when not the bundled one. */
  readonly registryFile?: string;
  readonly settle?: RemoteSettleOptions;
  /** A request without an answer after this long fails (default 30 s). */
  readonly requestTimeoutMillis?: number;
}

/** A level service answered something other than what the protocol promises. */
export class RemoteServiceError extends Error {
  override readonly name = 'RemoteServiceError';
}

// Every level's internals are for an admin only (GET /v1/status shows others their own level's).
const STATUS_READER: Actor = { id: 'remote-target-status', jurisdiction: '350000', role: 'admin' };

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/**
 * A ScenarioTarget whose levels run as separate OS processes (the distributed deployment), reached
 * over real HTTP. Tokens are signed with the key of the actor's level; a command goes to the service
 * of the level it belongs to, chosen from the same reference registry the services start from (plus
 * the jurisdictions registered through this target).
 */
export class RemoteTarget implements ScenarioTarget {
  private readonly tokens: TokenService;
  private readonly registry: JurisdictionRegistry;
  private readonly services: ReadonlyMap<Level, string>;
  private readonly requestTimeoutMillis: number;
  private statusToken: Promise<string> | undefined;
  private readonly http = new HttpClient();

  constructor(private readonly options: RemoteTargetOptions) {
    this.registry = loadReferenceRegistry(options.registryFile);
    this.tokens = new TokenService(options.tokenKeys, { levelOf: (jurisdiction) => this.registry.get(jurisdiction)?.level });
    this.services = new Map(LEVELS.map((level) => [level, options.services[level].replace(/\/+$/, '')]));
    this.requestTimeoutMillis = options.requestTimeoutMillis ?? 30_000;
  }

  mint(actor: Actor): Promise<string> {
    return this.tokens.mint(actor);
  }

  async command(level: Level, path: string, body: unknown, headers: Record<string, string>): Promise<TargetResponse> {
    const response = await this.request(level, 'POST', path, headers, body);
    if (response.status < 300 && path.endsWith('/registerJurisdiction')) this.learn(body);
    return response;
  }

  read(level: Level, path: string, headers: Record<string, string>): Promise<TargetResponse> {
    return this.request(level, 'GET', path, headers);
  }

  levelOf(jurisdiction: string): Level {
    return this.registry.get(jurisdiction)?.level ?? 'province';
  }

  /** Every level's status, as its process reports it on `GET /v1/status`. */
  async status(): Promise<LevelStatus[]> {
    const byUrl = new Map<string, Level[]>();
    for (const [level, url] of this.services) byUrl.set(url, [...(byUrl.get(url) ?? []), level]);
    const authorization = `Bearer ${await (this.statusToken ??= this.tokens.mint(STATUS_READER))}`;
    const answers = await Promise.all(
      [...byUrl].map(async ([url, levels]) => {
        const response = await this.request(levels[0]!, 'GET', '/v1/status', { authorization });
        if (response.status !== 200) throw new RemoteServiceError(`${url}/v1/status answered ${response.status}: ${response.body}`);
        const served = JSON.parse(response.body) as LevelStatus[];
        return levels.map((level) => {
          const status = served.find((entry) => entry.level === level);
          if (!status) throw new RemoteServiceError(`${url} does not serve the ${level} level (it serves ${served.map((entry) => entry.level).join(', ')})`);
          return status;
        });
      }),
    );
    const statuses = answers.flat();
    return LEVELS.map((level) => statuses.find((status) => status.level === level)!);
  }

  async heads(): Promise<string> {
    return (await this.status()).map((status) => `${status.level}:${status.head}`).join(' ');
  }

  /**
   * Resolves once every level has relayed, received and projected everything.
   *
   * One process cannot see another's messages in flight on the bus, so across processes this is a
   * judgement made from each level's `/v1/status`, polled in rounds:
   * - caught up: every level's relay checkpoint has reached its store head (all it recorded is on
   *   the bus, acknowledged) and every projection's lag is 0 (all it holds is in its read model);
   * - quiet: no head and no inbox count (recorded, duplicates) changed since the previous round. A
   *   fact arriving from the bus changes the receiver's head; a redelivered one its duplicates;
   *   a restarted process its counters: each starts the count of quiet rounds over.
   * What this cannot see is a message the bus holds that no receiver has fetched yet: after the
   * last relay publish, the receiver's next fetch may wait up to KAFKA_MAX_WAIT_MS on the broker,
   * and a consumer group that is rebalancing fetches nothing for seconds. So without a probe the
   * quiet window (`quietPolls` × `pollMillis`) must be longer than the fetch wait plus an inbox
   * append, and settling right after a rebalance is a bet.
   *
   * With a `backlog` probe the judgement becomes exact: a round is status S1, backlog B, status
   * S2. Receivers commit a message only after its inbox append, and relays checkpoint only after
   * the bus acknowledged; so if S1 and S2 are caught up and equal and B is 0, every message
   * published before S1 had been appended before B was taken, any append after S1 would show in
   * S2, and nothing is left anywhere.
   */
  async settle(): Promise<void> {
    const { pollMillis = 25, quietPolls = 8, timeoutMillis = 60_000, backlog } = this.options.settle ?? {};
    const deadline = Date.now() + timeoutMillis;
    let previous: string | undefined;
    let quiet = 0;
    let last = 'no status yet';
    for (;;) {
      try {
        const statuses = await this.status();
        last = statuses.map(summary).join(' ');
        const marks = statuses.every(caughtUp) ? statuses.map(mark).join(' ') : undefined;
        if (marks !== undefined && backlog) {
          const pending = await backlog();
          const again = await this.status();
          if (pending === 0 && again.every(caughtUp) && again.map(mark).join(' ') === marks) return;
          last += `; bus backlog ${pending}`;
        } else {
          quiet = marks !== undefined && marks === previous ? quiet + 1 : 0;
          previous = marks;
          if (quiet >= quietPolls) return;
        }
      } catch (error) {
        // A level restarting (or the bus unreachable) is not settled; it may well be soon.
        last = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
        previous = undefined;
        quiet = 0;
      }
      if (Date.now() > deadline) throw new Error(`levels did not settle within ${timeoutMillis} ms (last: ${last})`);
      await sleep(pollMillis);
    }
  }

  private learn(body: unknown): void {
    const entry = body as Partial<Jurisdiction> | null;
    if (!entry || typeof entry.code !== 'string' || typeof entry.name !== 'string' || !isLevel(entry.level)) return;
    // The service accepted it, so the parent is known there; it may be one this target never saw.
    const parent = typeof entry.parent === 'string' ? entry.parent : null;
    if (parent !== null && !this.registry.get(parent)) return;
    this.registry.add({ code: entry.code, name: entry.name, level: entry.level, parent });
  }

  private request(level: Level, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<TargetResponse> {
    return this.http.request(`${this.services.get(level)!}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMillis: this.requestTimeoutMillis,
    });
  }
}

const caughtUp = (status: LevelStatus): boolean =>
  status.relay.checkpoint >= status.head && status.projections.every((projection) => projection.lag === 0 && projection.checkpoint >= status.head);

const mark = (status: LevelStatus): string => `${status.level}:${status.head}/${status.inbox.recorded}/${status.inbox.duplicates}`;

const summary = (status: LevelStatus): string =>
  `${status.level} head ${status.head} relay ${status.relay.checkpoint} projections ${status.projections.map((projection) => projection.checkpoint).join('/')} inbox ${status.inbox.recorded}+${status.inbox.duplicates}dup`;
