import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import { InvalidSigningKey, parseSigningKey } from '#audit';
import type { LogLevel, TraceSamplerName, TracingSettings } from '#observability';
import { LOG_LEVELS, TRACE_SAMPLERS } from '#observability';

export type StoreKind = 'sqlite' | 'esdb' | 'memory';
export type BusKind = 'inproc' | 'kafka';
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** Validated configuration of one process (DESIGN.md §3a). */
export interface LinkageConfig {
  readonly port: number;
  /** The address the HTTP server binds: 127.0.0.1 unless HOST says otherwise. */
  readonly host: string;
  readonly dataDir: string;
  readonly store: StoreKind;
  readonly bus: BusKind;
  /** The levels this process serves: all three in the embedded default, one with LEVEL. */
  readonly levels: readonly Level[];
  readonly esdbConnectionString?: string;
  readonly kafkaBrokers?: readonly string[];
  /** Prefix of every topic and consumer group on the Kafka cluster; '' keeps the documented names. */
  readonly kafkaNamespace: string;
  /** Consumer-group timing; absent: kafkajs' defaults. */
  readonly kafkaConsumer: KafkaConsumerSettings;
  /** TLS and SASL towards the brokers; absent: plaintext, no authentication. */
  readonly kafkaSecurity: KafkaSecurity;
  readonly sqliteSynchronous: SqliteSynchronous;
  /** Bearer-token keys per level and their trust (README "Keys and rotation"). */
  readonly tokens: TokenKeyConfig;
  /** Hash-chain signing and as-of snapshots (README "Audit"). */
  readonly audit: AuditConfig;
  /** What one client may ask: rates per token, the time a request may take to arrive. */
  readonly requests: RequestLimitsConfig;
  /** How long an Idempotency-Key's first outcome answers retries. */
  readonly idempotencyRetentionMillis: number;
  /** Caps on open live views (Server-Sent Events): each holds a connection and is sent every change. */
  readonly liveViews: LiveViewCaps;
  /** Browser sessions (README "Browsers: sign-in and the dashboard"). */
  readonly sessions: SessionSettings;
  /** The built dashboard to serve at / (DASHBOARD_DIR); absent: dist/dashboard beside the built code. */
  readonly dashboardDir?: string;
  /** Lines below this level are not written (README "Logs"). */
  readonly logLevel: LogLevel;
  /** A second port serving GET /metrics without a token, bound to HOST; absent: /metrics on PORT for admins only. */
  readonly metricsPort?: number;
  /** /health/ready answers 503 while a projection is further than this many facts behind its store. */
  readonly readyMaxProjectionLag: number;
  /** OpenTelemetry spans over OTLP/HTTP (README "Tracing"); absent: tracing off. */
  readonly tracing?: TracingSettings;
  /** Pauses between a level's attempts to reach its store while it is out of reach (README "EventStoreDB out of reach"). */
  readonly storeRetry: StoreRetrySettings;
}

/** The first pause, then twice as long each time, at most the longest (the linkage's StoreRetry). */
export interface StoreRetrySettings {
  readonly firstPauseMs: number;
  readonly maxPauseMs: number;
}

export interface TokenKeyConfig {
  /**
   * Ed25519 private keys (PKCS#8 PEM or base64 DER) given in the environment (TOKEN_SIGNING_KEY_<LEVEL>),
   * by served level. A served level without one keeps a keyring in DATA_DIR/<level>.token-keys.json,
   * made on the server's first start (the server does that: loading configuration writes nothing).
   */
  readonly signingKeys: Partial<Record<Level, string>>;
  /**
   * The other levels' public keys (TOKEN_TRUSTED_JWKS): JWKS files, or http(s) URLs of their
   * processes' /.well-known/jwks.json. Their keys verify tokens here; they never sign.
   */
  readonly trustedJwks: readonly string[];
  /** TOKEN_MAX_LIFETIME in seconds: a token living longer (exp - iat) is refused, and never minted. */
  readonly maxLifetimeSeconds: number;
}

export interface SessionSettings {
  /** Mark the session cookie Secure on plain-HTTP requests too: behind a proxy that terminates TLS. */
  readonly secureCookie: boolean;
  /** Sessions kept in memory at most; beyond, the oldest is dropped. */
  readonly maxSessions: number;
}

export interface RequestLimitsConfig {
  readonly perMinute: number;
  readonly expensivePerMinute: number;
  readonly requestTimeoutMs: number;
}

export interface LiveViewCaps {
  /** Open live views one actor (token subject) may hold; beyond: 429. */
  readonly maxPerActor: number;
  /** Open live views the process holds in all; beyond: 503. */
  readonly maxTotal: number;
}

export interface AuditConfig {
  /**
   * Ed25519 private keys (PKCS#8 PEM or base64 DER) given in the environment, by level. A served
   * level without one uses DATA_DIR/<level>.audit-key.pem, generated when its chained store first
   * starts (the runtime does that: loading configuration writes nothing for it).
   */
  readonly signingKeys: Partial<Record<Level, string>>;
  /** AUDIT_RETIRED_KEY_IDS_<LEVEL>: ids (64 hex) of keys a level signed with before; their heads still verify. */
  readonly retiredKeyIds: Partial<Record<Level, readonly string[]>>;
  /** Sign the chain head after this many stored events; 0: never by count. */
  readonly signEveryEvents: number;
  /** Sign the chain head this often when anything was stored; 0: never by time. */
  readonly signIntervalMs: number;
  /** Snapshot the read model every this many projected events, for fast as-of queries; 0: none. */
  readonly snapshotEveryEvents: number;
}

export interface KafkaConsumerSettings {
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly maxWaitMs?: number;
}

export type KafkaSaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSecurity {
  /**
   * TLS to every broker (KAFKA_SSL=true), the server certificate always verified: against the CAs
   * of KAFKA_SSL_CA_FILE (PEM) or else Node's bundled ones; with a client certificate and key
   * (KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE) for brokers that authenticate clients by TLS.
   */
  readonly ssl?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: { readonly mechanism: KafkaSaslMechanism; readonly username: string; readonly password: string };
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

const millisOf = (name: string, value: string | undefined, problems: string[]): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const millis = Number(value);
  if (!Number.isInteger(millis) || millis < 1 || millis > 3_600_000) {
    problems.push(`${name}=${value} is not a whole number of milliseconds (1-3600000)`);
    return undefined;
  }
  return millis;
};

/** Kafka topic names allow ASCII letters, digits, '.', '_' and '-' (and at most 249 of them). */
const KAFKA_NAMESPACE = /^[A-Za-z0-9._-]{0,100}$/;

/** `12h`, `30m`, `900s`: a lifetime as a person types it. */
const LIFETIME = /^([1-9]\d{0,6})(s|m|h)$/;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600 } as const;
const MAX_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600;

/** A PEM file's text, or a problem naming the variable and why it cannot be used. */
const pemFileOf = (name: string, file: string | undefined, pem: { readonly holds: string; readonly parse: (text: string) => unknown }, problems: string[]): string | undefined => {
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${name}=${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    pem.parse(text);
  } catch {
    problems.push(`${name}=${file} holds no PEM ${pem.holds} that Node can read`);
    return undefined;
  }
  return text;
};

const PEM_CERTIFICATE = { holds: 'certificate', parse: (text: string) => new X509Certificate(text) };
const PEM_PRIVATE_KEY = { holds: 'private key', parse: (text: string) => createPrivateKey(text) };

/**
 * KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE, KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD. SASL PLAIN sends the password as it is: refused
 * without TLS. There is no switch to skip verifying the brokers' certificates: a private CA goes
 * in KAFKA_SSL_CA_FILE instead.
 */
const kafkaSecurityFrom = (env: NodeJS.ProcessEnv, problems: string[]): KafkaSecurity => {
  const tls = oneOf('KAFKA_SSL', env.KAFKA_SSL, ['true', 'false'], 'false', problems) === 'true';
  const tlsFiles = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'].filter((name) => env[name] !== undefined && env[name] !== '');
  if (!tls && tlsFiles.length > 0) problems.push(`${tlsFiles.join(', ')} ${tlsFiles.length === 1 ? 'is' : 'are'} set but KAFKA_SSL is not true`);
  const ca = pemFileOf('KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE, PEM_CERTIFICATE, problems);
  const cert = pemFileOf('KAFKA_SSL_CERT_FILE', env.KAFKA_SSL_CERT_FILE, PEM_CERTIFICATE, problems);
  const key = pemFileOf('KAFKA_SSL_KEY_FILE', env.KAFKA_SSL_KEY_FILE, PEM_PRIVATE_KEY, problems);
  if (Boolean(env.KAFKA_SSL_CERT_FILE) !== Boolean(env.KAFKA_SSL_KEY_FILE)) problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: a client certificate needs its key');

  const mechanismText = env.KAFKA_SASL_MECHANISM ?? '';
  const saslVariables = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].filter((name) => env[name] !== undefined && env[name] !== '');
  let sasl: KafkaSecurity['sasl'];
  if (mechanismText === '') {
    if (saslVariables.length > 0) problems.push(`${saslVariables.join(', ')} ${saslVariables.length === 1 ? 'is' : 'are'} set but KAFKA_SASL_MECHANISM is not`);
  } else {
    const mechanism = oneOf<KafkaSaslMechanism>('KAFKA_SASL_MECHANISM', mechanismText, ['plain', 'scram-sha-256', 'scram-sha-512'], 'plain', problems);
    const username = env.KAFKA_SASL_USERNAME ?? '';
    const password = env.KAFKA_SASL_PASSWORD ?? '';
    if (username === '') problems.push(`KAFKA_SASL_MECHANISM=${mechanismText} needs KAFKA_SASL_USERNAME`);
    if (password === '') problems.push(`KAFKA_SASL_MECHANISM=${mechanismText} needs KAFKA_SASL_PASSWORD`);
    if (mechanism === 'plain' && mechanismText === 'plain' && !tls) problems.push('KAFKA_SASL_MECHANISM=plain sends the password in clear: set KAFKA_SSL=true (or use scram-sha-256 / scram-sha-512)');
    sasl = { mechanism, username, password };
  }
  return { ...(tls ? { ssl: { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) } } : {}), ...(sasl ? { sasl } : {}) };
};

/** The OTLP/HTTP path of traces, appended to a base endpoint as the OpenTelemetry specification says. */
const OTLP_TRACES_PATH = 'v1/traces';

/** An http(s) URL, or a problem naming the variable. */
const otlpUrlOf = (name: string, value: string | undefined, problems: string[]): URL | undefined => {
  if (value === undefined || value === '') return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    problems.push(`${name}=${value} is not an http(s) URL (e.g. http://otel-collector:4318)`);
    return undefined;
  }
  return url;
};

/**
 * The standard OpenTelemetry variables this server reads. Tracing is off unless configured: on
 * with OTEL_TRACES_EXPORTER=otlp, or with an OTLP endpoint given and OTEL_TRACES_EXPORTER unset.
 * Only OTLP over HTTP with JSON is built in, so another exporter or protocol is refused rather than
 * ignored.
 */
const tracingFrom = (env: NodeJS.ProcessEnv, levels: readonly Level[], problems: string[]): TracingSettings | undefined => {
  const disabled = oneOf('OTEL_SDK_DISABLED', env.OTEL_SDK_DISABLED, ['true', 'false'], 'false', problems) === 'true';
  const base = otlpUrlOf('OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT, problems);
  const traces = otlpUrlOf('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, problems);
  const exporter = oneOf('OTEL_TRACES_EXPORTER', env.OTEL_TRACES_EXPORTER, ['otlp', 'none'], base || traces ? 'otlp' : 'none', problems);
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) {
    const protocol = env[name];
    if (protocol !== undefined && protocol !== '' && protocol !== 'http/json') problems.push(`${name}=${protocol}: this server sends traces as http/json only (every OTLP/HTTP collector takes it)`);
  }
  const sampler = oneOf<TraceSamplerName>('OTEL_TRACES_SAMPLER', env.OTEL_TRACES_SAMPLER, TRACE_SAMPLERS, 'parentbased_always_on', problems);
  let samplerRatio = 1;
  const ratioText = env.OTEL_TRACES_SAMPLER_ARG;
  if (ratioText !== undefined && ratioText !== '') {
    const ratio = Number(ratioText);
    if (!sampler.endsWith('traceidratio')) problems.push(`OTEL_TRACES_SAMPLER_ARG is set, but OTEL_TRACES_SAMPLER=${sampler} takes no ratio (traceidratio and parentbased_traceidratio do)`);
    else if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) problems.push(`OTEL_TRACES_SAMPLER_ARG=${ratioText} is not a ratio from 0 to 1`);
    else samplerRatio = ratio;
  }
  if (disabled || exporter === 'none') return undefined;
  // Without an endpoint: the collector's default address on this host, as every OpenTelemetry SDK does.
  const url = traces?.href ?? new URL(OTLP_TRACES_PATH, `${(base?.href ?? 'http://localhost:4318/').replace(/\/?$/, '/')}`).href;
  const serviceName = env.OTEL_SERVICE_NAME && env.OTEL_SERVICE_NAME !== '' ? env.OTEL_SERVICE_NAME : levels.length === 1 ? `inspection-linkage-${levels[0]}` : 'inspection-linkage';
  return { url, serviceName, sampler, samplerRatio };
};

/** A lifetime (`12h`, `30m`, `900s`) in seconds; undefined when it is not one. */
export const lifetimeSecondsOf = (text: string): number | undefined => {
  const match = LIFETIME.exec(text);
  return match ? Number(match[1]) * SECONDS_PER_UNIT[match[2] as keyof typeof SECONDS_PER_UNIT] : undefined;
};

/**
 * Token keys: each served level's own (from the environment, else its keyring in DATA_DIR), the
 * other levels' trusted JWKS files, the longest lifetime. The old shared HS256 secret is refused:
 * whoever held it could sign for every level.
 */
const tokensFrom = (env: NodeJS.ProcessEnv, levels: readonly Level[], problems: string[]): TokenKeyConfig => {
  if (env.TOKEN_SIGNING_KEY !== undefined && env.TOKEN_SIGNING_KEY !== '') {
    problems.push(
      'TOKEN_SIGNING_KEY (one secret shared by every level) is no longer read: unset it; each level signs with its own Ed25519 key (kept in DATA_DIR/<level>.token-keys.json, or given as TOKEN_SIGNING_KEY_<LEVEL>) and trusts the other levels\' public keys through TOKEN_TRUSTED_JWKS',
    );
  }
  const signingKeys: Partial<Record<Level, string>> = {};
  for (const level of LEVELS) {
    const name = `TOKEN_SIGNING_KEY_${level.toUpperCase()}`;
    const given = env[name] || undefined;
    if (given === undefined) continue;
    if (!levels.includes(level)) {
      problems.push(`${name} is set, but this process serves ${levels.join(', ')}: a process holds only its own levels' token keys (trust the ${level} level's public keys through TOKEN_TRUSTED_JWKS)`);
      continue;
    }
    try {
      // The same form and algorithm as the audit keys: Ed25519, PKCS#8.
      parseSigningKey(given);
      signingKeys[level] = given;
    } catch (error) {
      if (!(error instanceof InvalidSigningKey)) throw error;
      problems.push(`${name}: ${error.message}`);
    }
  }
  const trustedJwks = (env.TOKEN_TRUSTED_JWKS ?? '')
    .split(',')
    .map((source) => source.trim())
    .filter(Boolean)
    .map((source) => (/^https?:\/\//.test(source) ? source : resolve(source)));
  for (const source of trustedJwks) {
    if (/^https?:\/\//.test(source)) {
      if (!URL.canParse(source)) problems.push(`TOKEN_TRUSTED_JWKS names ${source}, which is not a URL`);
    } else if (!existsSync(source) || !statSync(source).isFile()) {
      problems.push(`TOKEN_TRUSTED_JWKS names ${source}, which is not a file (a JWKS another level's process publishes at /.well-known/jwks.json) nor an http(s) URL`);
    }
  }
  let maxLifetimeSeconds = 12 * 3600;
  if (env.TOKEN_MAX_LIFETIME !== undefined && env.TOKEN_MAX_LIFETIME !== '') {
    const seconds = lifetimeSecondsOf(env.TOKEN_MAX_LIFETIME);
    if (seconds === undefined || seconds < 60 || seconds > MAX_TOKEN_LIFETIME_SECONDS) {
      problems.push(`TOKEN_MAX_LIFETIME=${env.TOKEN_MAX_LIFETIME} is not a lifetime from 60s to 168h (e.g. 12h, 30m, 900s)`);
    } else {
      maxLifetimeSeconds = seconds;
    }
  }
  return { signingKeys, trustedJwks, maxLifetimeSeconds };
};

const countOf = (name: string, value: string | undefined, fallback: number, problems: string[]): number => {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 0) {
    problems.push(`${name}=${value} is not a whole number >= 0`);
    return fallback;
  }
  return count;
};

const boundedCount = (name: string, value: string | undefined, fallback: number, min: number, max: number, problems: string[]): number => {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < min || count > max) {
    problems.push(`${name}=${value} is not a whole number from ${min} to ${max}`);
    return fallback;
  }
  return count;
};

const positiveCountOf = (name: string, value: string | undefined, fallback: number, problems: string[]): number => {
  if (value === undefined || value === '') return fallback;
  const count = Number(value);
  if (!Number.isSafeInteger(count) || count < 1) {
    problems.push(`${name}=${value} is not a whole number >= 1`);
    return fallback;
  }
  return count;
};

/**
 * Each served level's audit key from the environment: AUDIT_SIGNING_KEY_<LEVEL>, or
 * AUDIT_SIGNING_KEY for a process that serves one level.
 */
const auditFrom = (env: NodeJS.ProcessEnv, levels: readonly Level[], problems: string[]): AuditConfig => {
  const signingKeys: Partial<Record<Level, string>> = {};
  const shared = env.AUDIT_SIGNING_KEY || undefined;
  if (shared !== undefined && levels.length > 1) {
    problems.push(`AUDIT_SIGNING_KEY is one level's key, but this process serves ${levels.join(', ')}: set ${levels.map((level) => `AUDIT_SIGNING_KEY_${level.toUpperCase()}`).join(', ')}`);
  }
  for (const level of levels) {
    const name = `AUDIT_SIGNING_KEY_${level.toUpperCase()}`;
    const given = env[name] || (levels.length === 1 ? shared : undefined);
    if (given === undefined) continue;
    try {
      parseSigningKey(given);
      signingKeys[level] = given;
    } catch (error) {
      if (!(error instanceof InvalidSigningKey)) throw error;
      problems.push(`${env[name] ? name : 'AUDIT_SIGNING_KEY'}: ${error.message}`);
    }
  }
  const retiredKeyIds: Partial<Record<Level, readonly string[]>> = {};
  for (const level of levels) {
    const name = `AUDIT_RETIRED_KEY_IDS_${level.toUpperCase()}`;
    const ids = (env[name] ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    const malformed = ids.filter((id) => !/^[0-9a-f]{64}$/.test(id));
    if (malformed.length > 0) problems.push(`${name}: ${malformed.join(', ')} is not a key id (64 lowercase hex, as verify and the started line print it)`);
    else if (ids.length > 0) retiredKeyIds[level] = ids;
  }
  return {
    signingKeys,
    retiredKeyIds,
    signEveryEvents: countOf('AUDIT_SIGN_EVERY_EVENTS', env.AUDIT_SIGN_EVERY_EVENTS, 1000, problems),
    signIntervalMs: countOf('AUDIT_SIGN_INTERVAL_MS', env.AUDIT_SIGN_INTERVAL_MS, 60_000, problems),
    snapshotEveryEvents: countOf('AUDIT_SNAPSHOT_EVERY_EVENTS', env.AUDIT_SNAPSHOT_EVERY_EVENTS, 50_000, problems),
  };
};

/**
 * STORE_RETRY_FIRST_PAUSE_MS and STORE_RETRY_MAX_PAUSE_MS. The first pause is how soon a level
 * notices that its store is back after a short cut; the longest bounds how late it notices after a
 * long one, and how often a server that is still down is asked (every level asks it).
 */
const storeRetryFrom = (env: NodeJS.ProcessEnv, problems: string[]): StoreRetrySettings => {
  const firstPauseMs = boundedCount('STORE_RETRY_FIRST_PAUSE_MS', env.STORE_RETRY_FIRST_PAUSE_MS, 500, 10, 60_000, problems);
  const maxPauseMs = boundedCount('STORE_RETRY_MAX_PAUSE_MS', env.STORE_RETRY_MAX_PAUSE_MS, 30_000, 10, 600_000, problems);
  if (firstPauseMs > maxPauseMs) problems.push(`STORE_RETRY_FIRST_PAUSE_MS (${firstPauseMs}) must not exceed STORE_RETRY_MAX_PAUSE_MS (${maxPauseMs})`);
  return { firstPauseMs, maxPauseMs };
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
  if (esdbConnectionString && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//i.test(esdbConnectionString)) {
    problems.push(`ESDB_CONNECTION_STRING=${esdbConnectionString} must start with esdb://, kurrentdb:// or kdb:// (each also with +discover)`);
  }
  const kafkaBrokers = env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean) : undefined;
  if (bus === 'kafka' && (!kafkaBrokers || kafkaBrokers.length === 0)) problems.push('LINKAGE_BUS=kafka needs KAFKA_BROKERS (host:port,host:port)');
  for (const broker of kafkaBrokers ?? []) if (!/^[^:\s]+:\d+$/.test(broker)) problems.push(`KAFKA_BROKERS entry ${broker} is not host:port`);
  const kafkaNamespace = env.KAFKA_NAMESPACE ?? '';
  if (!KAFKA_NAMESPACE.test(kafkaNamespace)) problems.push(`KAFKA_NAMESPACE=${kafkaNamespace} may hold at most 100 of A-Z a-z 0-9 . _ - (it prefixes topic names)`);
  const kafkaConsumer: KafkaConsumerSettings = {
    sessionTimeoutMs: millisOf('KAFKA_SESSION_TIMEOUT_MS', env.KAFKA_SESSION_TIMEOUT_MS, problems),
    heartbeatIntervalMs: millisOf('KAFKA_HEARTBEAT_INTERVAL_MS', env.KAFKA_HEARTBEAT_INTERVAL_MS, problems),
    maxWaitMs: millisOf('KAFKA_MAX_WAIT_MS', env.KAFKA_MAX_WAIT_MS, problems),
  };
  // kafkajs heartbeats at this interval to stay in the group; at or beyond the session timeout the
  // coordinator would evict a healthy member.
  if ((kafkaConsumer.heartbeatIntervalMs ?? 3_000) >= (kafkaConsumer.sessionTimeoutMs ?? 30_000)) {
    problems.push(
      `KAFKA_HEARTBEAT_INTERVAL_MS (${kafkaConsumer.heartbeatIntervalMs ?? 'default 3000'}) must be below KAFKA_SESSION_TIMEOUT_MS (${kafkaConsumer.sessionTimeoutMs ?? 'default 30000'})`,
    );
  }
  const kafkaSecurity = kafkaSecurityFrom(env, problems);
  const requests: RequestLimitsConfig = {
    perMinute: boundedCount('RATE_LIMIT_PER_MINUTE', env.RATE_LIMIT_PER_MINUTE, 300, 1, 10_000_000, problems),
    expensivePerMinute: boundedCount('RATE_LIMIT_EXPENSIVE_PER_MINUTE', env.RATE_LIMIT_EXPENSIVE_PER_MINUTE, 30, 1, 10_000_000, problems),
    requestTimeoutMs: boundedCount('REQUEST_TIMEOUT_MS', env.REQUEST_TIMEOUT_MS, 30_000, 100, 600_000, problems),
  };
  const idempotencyRetentionHours = boundedCount('IDEMPOTENCY_RETENTION_HOURS', env.IDEMPOTENCY_RETENTION_HOURS, 48, 24, 24 * 365, problems);
  const logLevel = oneOf<LogLevel>('LOG_LEVEL', env.LOG_LEVEL, LOG_LEVELS, 'info', problems);
  const metricsPort = env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : portOf('METRICS_PORT', env.METRICS_PORT, 0, problems);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) problems.push(`METRICS_PORT=${metricsPort} is the HTTP port too: give metrics a port of their own, or leave METRICS_PORT unset`);
  const readyMaxProjectionLag = countOf('READY_MAX_PROJECTION_LAG', env.READY_MAX_PROJECTION_LAG, 10_000, problems);
  const tokens = tokensFrom(env, levels, problems);
  const audit = auditFrom(env, levels, problems);
  const tracing = tracingFrom(env, levels, problems);
  const storeRetry = storeRetryFrom(env, problems);
  const liveViews: LiveViewCaps = {
    maxPerActor: positiveCountOf('LIVE_MAX_PER_ACTOR', env.LIVE_MAX_PER_ACTOR, 20, problems),
    maxTotal: positiveCountOf('LIVE_MAX_TOTAL', env.LIVE_MAX_TOTAL, 2000, problems),
  };
  const secureCookie = oneOf('SESSION_COOKIE_SECURE', env.SESSION_COOKIE_SECURE, ['true', 'false'], 'false', problems) === 'true';
  const sessions: SessionSettings = { secureCookie, maxSessions: boundedCount('SESSION_MAX', env.SESSION_MAX, 10_000, 1, 1_000_000, problems) };
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    port,
    // Loopback unless told otherwise: the embedded default is a workstation's, and a deployment that
    // is to be reached from elsewhere says so (docker/compose.yaml sets HOST=0.0.0.0).
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    dataDir,
    store,
    bus,
    levels,
    esdbConnectionString,
    kafkaBrokers,
    kafkaNamespace,
    kafkaConsumer,
    kafkaSecurity,
    sqliteSynchronous,
    tokens,
    audit,
    requests,
    idempotencyRetentionMillis: idempotencyRetentionHours * 3600_000,
    liveViews,
    sessions,
    ...(env.DASHBOARD_DIR ? { dashboardDir: resolve(env.DASHBOARD_DIR) } : {}),
    logLevel,
    metricsPort,
    readyMaxProjectionLag,
    ...(tracing ? { tracing } : {}),
    storeRetry,
  };
};
