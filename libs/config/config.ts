import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';

export type StoreKind = 'sqlite' | 'esdb' | 'memory';
export type BusKind = 'inproc' | 'kafka';
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** Validated configuration of one process (DESIGN.md §3a). */
export interface LinkageConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly store: StoreKind;
  readonly bus: BusKind;
  /** The levels this process serves: all three in the embedded default, one with LEVEL. */
  readonly levels: readonly Level[];
  readonly esdbConnectionString?: string;
  readonly kafkaBrokers?: readonly string[];
  readonly sqliteSynchronous: SqliteSynchronous;
  /** HMAC key for bearer tokens. */
  readonly tokenSigningKey: Uint8Array;
  readonly tokenSigningKeySource: 'environment' | 'data-dir';
}

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

const oneOf = <T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T, problems: string[]): T => {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name}=${value} is not one of ${allowed.join(', ')}`);
  return fallback;
};

const portOf = (name: string, value: string | undefined, fallback: number, problems: string[]): number => {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`${name}=${value} is not a TCP port (0-65535)`);
  return port;
};

const MIN_KEY_BYTES = 32;

/** The embedded default keeps one generated key under DATA_DIR so tokens survive restarts. */
const signingKeyFrom = (env: NodeJS.ProcessEnv, dataDir: string, problems: string[]): Pick<LinkageConfig, 'tokenSigningKey' | 'tokenSigningKeySource'> => {
  const given = env.TOKEN_SIGNING_KEY;
  if (given !== undefined && given !== '') {
    const key = Buffer.from(given, 'utf8');
    if (key.length < MIN_KEY_BYTES) problems.push(`TOKEN_SIGNING_KEY must be at least ${MIN_KEY_BYTES} bytes`);
    return { tokenSigningKey: key, tokenSigningKeySource: 'environment' };
  }
  const file = join(dataDir, 'token-signing.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(MIN_KEY_BYTES).toString('hex'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { tokenSigningKey: Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'), tokenSigningKeySource: 'data-dir' };
};

/** Reads and validates the environment; every problem is reported at once. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): LinkageConfig => {
  const problems: string[] = [];
  const dataDir = resolve(env.DATA_DIR && env.DATA_DIR !== '' ? env.DATA_DIR : './data');
  const store = oneOf<StoreKind>('LINKAGE_STORE', env.LINKAGE_STORE, ['sqlite', 'esdb', 'memory'], 'sqlite', problems);
  const bus = oneOf<BusKind>('LINKAGE_BUS', env.LINKAGE_BUS, ['inproc', 'kafka'], 'inproc', problems);
  const sqliteSynchronous = oneOf<SqliteSynchronous>('SQLITE_SYNCHRONOUS', env.SQLITE_SYNCHRONOUS, ['NORMAL', 'FULL'], 'NORMAL', problems);
  let levels: readonly Level[] = LEVELS;
  if (env.LEVEL !== undefined && env.LEVEL !== '') {
    if (isLevel(env.LEVEL)) levels = [env.LEVEL];
    else problems.push(`LEVEL=${env.LEVEL} is not one of ${LEVELS.join(', ')}`);
  }
  const levelPort = levels.length === 1 ? env[`${levels[0]!.toUpperCase()}_PORT`] : undefined;
  const port = portOf(levelPort !== undefined ? `${levels[0]!.toUpperCase()}_PORT` : 'PORT', levelPort ?? env.PORT, 3000, problems);
  const esdbConnectionString = env.ESDB_CONNECTION_STRING || undefined;
  if (store === 'esdb' && !esdbConnectionString) problems.push('LINKAGE_STORE=esdb needs ESDB_CONNECTION_STRING (e.g. esdb://localhost:2113?tls=false)');
  if (esdbConnectionString && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//.test(esdbConnectionString)) {
    problems.push(`ESDB_CONNECTION_STRING=${esdbConnectionString} must start with esdb:// or esdb+discover://`);
  }
  const kafkaBrokers = env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean) : undefined;
  if (bus === 'kafka' && (!kafkaBrokers || kafkaBrokers.length === 0)) problems.push('LINKAGE_BUS=kafka needs KAFKA_BROKERS (host:port,host:port)');
  for (const broker of kafkaBrokers ?? []) if (!/^[^:\s]+:\d+$/.test(broker)) problems.push(`KAFKA_BROKERS entry ${broker} is not host:port`);
  const key = problems.length === 0 ? signingKeyFrom(env, dataDir, problems) : { tokenSigningKey: new Uint8Array(), tokenSigningKeySource: 'environment' as const };
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    port,
    host: env.HOST && env.HOST !== '' ? env.HOST : '0.0.0.0',
    dataDir,
    store,
    bus,
    levels,
    esdbConnectionString,
    kafkaBrokers,
    sqliteSynchronous,
    ...key,
  };
};
