import { generateKeyPairSync } from 'node:crypto';
import { problemsOf } from '../../test/support/configuration.js';
import { loadConfig } from './config.js';

const kafka = { LINKAGE_BUS: 'kafka', KAFKA_BROKERS: '127.0.0.1:9092', DATA_DIR: '/nonexistent-data-dir' };

describe('Kafka settings of the configuration', () => {
  it('keeps the documented names and kafkajs timing when nothing is set', () => {
    const config = loadConfig(kafka);
    expect(config.kafkaNamespace).toBe('');
    expect(config.kafkaConsumer).toEqual({ sessionTimeoutMs: undefined, heartbeatIntervalMs: undefined, maxWaitMs: undefined });
  });

  it('reads the namespace and the consumer timing', () => {
    const config = loadConfig({ ...kafka, KAFKA_NAMESPACE: 'staging.', KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_HEARTBEAT_INTERVAL_MS: '500', KAFKA_MAX_WAIT_MS: '50' });
    expect(config.kafkaNamespace).toBe('staging.');
    expect(config.kafkaConsumer).toEqual({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, maxWaitMs: 50 });
  });

  it('names every bad setting at once', () => {
    const problems = problemsOf({ ...kafka, KAFKA_NAMESPACE: 'bad/name', KAFKA_SESSION_TIMEOUT_MS: '1.5', KAFKA_MAX_WAIT_MS: '0' });
    expect(problems).toEqual([
      expect.stringMatching(/^KAFKA_NAMESPACE=bad\/name /),
      expect.stringMatching(/^KAFKA_SESSION_TIMEOUT_MS=1.5 /),
      expect.stringMatching(/^KAFKA_MAX_WAIT_MS=0 /),
    ]);
  });

  it('refuses a heartbeat interval that is not below the session timeout', () => {
    expect(problemsOf({ ...kafka, KAFKA_SESSION_TIMEOUT_MS: '3000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' })).toEqual([
      expect.stringMatching(/KAFKA_HEARTBEAT_INTERVAL_MS \(3000\) must be below KAFKA_SESSION_TIMEOUT_MS \(3000\)/),
    ]);
  });
});

describe('the HTTP address of the configuration', () => {
  const embedded = { DATA_DIR: '/nonexistent-data-dir' };

  it('listens on the loopback interface only, unless HOST says otherwise', () => {
    expect(loadConfig(embedded).host).toBe('127.0.0.1');
    expect(loadConfig({ ...embedded, HOST: '' }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...embedded, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });
});

describe('live view caps of the configuration', () => {
  const base = { DATA_DIR: '/nonexistent-data-dir' };

  it('holds 20 live views per actor and 2000 in all unless told otherwise', () => {
    expect(loadConfig(base).liveViews).toEqual({ maxPerActor: 20, maxTotal: 2000 });
    expect(loadConfig({ ...base, LIVE_MAX_PER_ACTOR: '5', LIVE_MAX_TOTAL: '100' }).liveViews).toEqual({ maxPerActor: 5, maxTotal: 100 });
  });

  it('refuses caps that are not whole numbers of at least one', () => {
    expect(problemsOf({ ...base, LIVE_MAX_PER_ACTOR: '0', LIVE_MAX_TOTAL: 'many' })).toEqual([
      expect.stringMatching(/^LIVE_MAX_PER_ACTOR=0 is not a whole number >= 1/),
      expect.stringMatching(/^LIVE_MAX_TOTAL=many is not a whole number >= 1/),
    ]);
  });
});

describe('browser sessions and the dashboard in the configuration', () => {
  const base = { DATA_DIR: '/nonexistent-data-dir' };

  it('keeps 10,000 sessions, marks the cookie Secure only when told, and serves the built page unless DASHBOARD_DIR names another', () => {
    const config = loadConfig(base);
    expect(config.sessions).toEqual({ secureCookie: false, maxSessions: 10_000 });
    expect(config.dashboardDir).toBeUndefined();
    const told = loadConfig({ ...base, SESSION_COOKIE_SECURE: 'true', SESSION_MAX: '50', DASHBOARD_DIR: '/srv/dashboard' });
    expect(told.sessions).toEqual({ secureCookie: true, maxSessions: 50 });
    expect(told.dashboardDir).toBe('/srv/dashboard');
  });

  it('refuses a Secure flag that is not true or false, and a cap that is no positive whole number', () => {
    expect(problemsOf({ ...base, SESSION_COOKIE_SECURE: 'yes', SESSION_MAX: '0' })).toEqual([
      expect.stringMatching(/^SESSION_COOKIE_SECURE=yes is not one of true, false/),
      expect.stringMatching(/^SESSION_MAX=0 is not a whole number from 1 to 1000000/),
    ]);
  });
});

describe('token keys in the configuration', () => {
  const base = { DATA_DIR: '/nonexistent-data-dir' };
  const ed25519 = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  it('refuses the old shared secret with one line saying what to use instead', () => {
    expect(problemsOf({ ...base, TOKEN_SIGNING_KEY: 'k'.repeat(32) })).toEqual([
      expect.stringMatching(/^TOKEN_SIGNING_KEY \(one secret shared by every level\) is no longer read: unset it; each level signs with its own Ed25519 key .*TOKEN_SIGNING_KEY_<LEVEL>.*TOKEN_TRUSTED_JWKS$/),
    ]);
    // Set but empty is unset (how a test or a shell clears it).
    expect(problemsOf({ ...base, TOKEN_SIGNING_KEY: '' })).toEqual([]);
  });

  it('takes a served level\'s own Ed25519 key, and refuses another level\'s key or one that is not Ed25519', () => {
    const county = ed25519();
    expect(loadConfig({ ...base, LEVEL: 'county', TOKEN_SIGNING_KEY_COUNTY: county }).tokens.signingKeys).toEqual({ county });
    expect(problemsOf({ ...base, LEVEL: 'county', TOKEN_SIGNING_KEY_PROVINCE: ed25519() })).toEqual([
      expect.stringMatching(/^TOKEN_SIGNING_KEY_PROVINCE is set, but this process serves county: a process holds only its own levels' token keys/),
    ]);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(problemsOf({ ...base, TOKEN_SIGNING_KEY_CITY: rsa })).toEqual([expect.stringMatching(/^TOKEN_SIGNING_KEY_CITY: .*must be Ed25519/)]);
  });

  it('keeps tokens 12 h at most unless TOKEN_MAX_LIFETIME says otherwise, and names a trusted JWKS that is no file', () => {
    expect(loadConfig(base).tokens).toEqual({ signingKeys: {}, trustedJwks: [], maxLifetimeSeconds: 43_200 });
    expect(loadConfig({ ...base, TOKEN_MAX_LIFETIME: '30m' }).tokens.maxLifetimeSeconds).toBe(1800);
    expect(problemsOf({ ...base, TOKEN_MAX_LIFETIME: '2d', TOKEN_TRUSTED_JWKS: '/nonexistent/province.jwks.json' })).toEqual([
      expect.stringMatching(/^TOKEN_TRUSTED_JWKS names \/nonexistent\/province.jwks.json, which is not a file/),
      expect.stringMatching(/^TOKEN_MAX_LIFETIME=2d is not a lifetime from 60s to 168h/),
    ]);
  });
});

describe('EventStoreDB / KurrentDB address', () => {
  const esdb = { LINKAGE_STORE: 'esdb', DATA_DIR: '/nonexistent-data-dir' };

  it('takes esdb://, kurrentdb:// and kdb:// addresses, with +discover and in any case (the store hands the client esdb://)', () => {
    for (const url of ['esdb://a:2113?tls=false', 'esdb+discover://a:2113', 'kurrentdb://a:2113?tls=false', 'KurrentDB+discover://a:2113', 'kdb://a:2113']) {
      expect(loadConfig({ ...esdb, ESDB_CONNECTION_STRING: url }).esdbConnectionString).toBe(url);
    }
  });

  it('refuses any other scheme in one line naming the schemes it takes', () => {
    expect(problemsOf({ ...esdb, ESDB_CONNECTION_STRING: 'http://a:2113' })).toEqual([
      'ESDB_CONNECTION_STRING=http://a:2113 must start with esdb://, kurrentdb:// or kdb:// (each also with +discover)',
    ]);
  });
});

describe('tracing settings of the configuration', () => {
  const base = { DATA_DIR: '/nonexistent-data-dir' };

  it('leaves tracing off when nothing configures it, or when OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true says so', () => {
    expect(loadConfig(base).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'linkage' }).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('sends to the traces path under OTEL_EXPORTER_OTLP_ENDPOINT, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given', () => {
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      url: 'http://collector:4318/v1/traces',
      serviceName: 'inspection-linkage',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://gateway.example/otel/' }).tracing?.url).toBe('https://gateway.example/otel/v1/traces');
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/traces' }).tracing?.url).toBe('http://b:4318/traces');
    // Asked for without an address: the collector's default one on this host.
    expect(loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.url).toBe('http://localhost:4318/v1/traces');
  });

  it('names the service after the level a one-level process serves, unless OTEL_SERVICE_NAME does', () => {
    const on = { ...base, OTEL_TRACES_EXPORTER: 'otlp' };
    expect(loadConfig({ ...on, LEVEL: 'county' }).tracing?.serviceName).toBe('inspection-linkage-county');
    expect(loadConfig({ ...on, LEVEL: 'county', OTEL_SERVICE_NAME: 'fujian-county' }).tracing?.serviceName).toBe('fujian-county');
  });

  it('reads a sampler and its ratio', () => {
    expect(loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing).toEqual(
      expect.objectContaining({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 }),
    );
  });

  it('names every bad tracing setting at once', () => {
    expect(
      problemsOf({
        ...base,
        OTEL_TRACES_EXPORTER: 'jaeger',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_SDK_DISABLED: 'yes',
      }),
    ).toEqual([
      expect.stringMatching(/^OTEL_SDK_DISABLED=yes is not one of true, false/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318 is not an http\(s\) URL/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=ftp:\/\/collector\/traces is not an http\(s\) URL/),
      expect.stringMatching(/^OTEL_TRACES_EXPORTER=jaeger is not one of otlp, none/),
      expect.stringMatching(/^OTEL_EXPORTER_OTLP_PROTOCOL=grpc: this server sends traces as http\/json only/),
      expect.stringMatching(/^OTEL_TRACES_SAMPLER=sometimes is not one of always_on, /),
    ]);
    expect(problemsOf({ ...base, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toEqual([expect.stringMatching(/^OTEL_TRACES_SAMPLER_ARG=1.5 is not a ratio from 0 to 1/)]);
    expect(problemsOf({ ...base, OTEL_TRACES_SAMPLER_ARG: '0.5' })).toEqual([expect.stringMatching(/^OTEL_TRACES_SAMPLER_ARG is set, but OTEL_TRACES_SAMPLER=parentbased_always_on takes no ratio/)]);
  });
});

describe('store retry pauses of the configuration', () => {
  const base = { DATA_DIR: '/nonexistent-data-dir' };

  it('pauses 0.5 s, then twice as long each time, at most 30 s, unless STORE_RETRY_FIRST_PAUSE_MS and STORE_RETRY_MAX_PAUSE_MS say otherwise', () => {
    expect(loadConfig(base).storeRetry).toEqual({ firstPauseMs: 500, maxPauseMs: 30_000 });
    expect(loadConfig({ ...base, STORE_RETRY_FIRST_PAUSE_MS: '2000', STORE_RETRY_MAX_PAUSE_MS: '120000' }).storeRetry).toEqual({ firstPauseMs: 2000, maxPauseMs: 120_000 });
    expect(loadConfig({ ...base, STORE_RETRY_FIRST_PAUSE_MS: '5000', STORE_RETRY_MAX_PAUSE_MS: '5000' }).storeRetry).toEqual({ firstPauseMs: 5000, maxPauseMs: 5000 });
  });

  it('refuses a pause that is no whole number of milliseconds in its range, and a first pause longer than the longest, naming each', () => {
    expect(problemsOf({ ...base, STORE_RETRY_FIRST_PAUSE_MS: 'soon', STORE_RETRY_MAX_PAUSE_MS: '0' })).toEqual([
      'STORE_RETRY_FIRST_PAUSE_MS=soon is not a whole number from 10 to 60000',
      'STORE_RETRY_MAX_PAUSE_MS=0 is not a whole number from 10 to 600000',
    ]);
    expect(problemsOf({ ...base, STORE_RETRY_FIRST_PAUSE_MS: '1.5' })).toEqual(['STORE_RETRY_FIRST_PAUSE_MS=1.5 is not a whole number from 10 to 60000']);
    expect(problemsOf({ ...base, STORE_RETRY_MAX_PAUSE_MS: '3600000' })).toEqual(['STORE_RETRY_MAX_PAUSE_MS=3600000 is not a whole number from 10 to 600000']);
    expect(problemsOf({ ...base, STORE_RETRY_FIRST_PAUSE_MS: '40000', STORE_RETRY_MAX_PAUSE_MS: '20000' })).toEqual([
      'STORE_RETRY_FIRST_PAUSE_MS (40000) must not exceed STORE_RETRY_MAX_PAUSE_MS (20000)',
    ]);
  });
});
