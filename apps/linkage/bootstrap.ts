import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Level } from '#domain';
import type { LinkageConfig } from '#config';
import { loadConfig } from '#config';
import type { TokenKeys } from '#http';
import { InvalidTokenKeys, TokenService, createHttpApp, openTokenKeys, serveMetrics } from '#http';
import { LevelServedElsewhere, LinkageRuntime, ServerLocks, openConfiguredBus, openConfiguredStore, systemClock } from '#linkage';
import { createOperationsLog, operationsLog, startTracing, stopTracing, useOperationsLog } from '#observability';
import { CannotStart, checkDataFolder, describeStartupFailure, failStartup } from './startup.js';

/**
 * Starts the levels this process serves and their HTTP edge. `fixedLevel` pins the level of a
 * one-level app (apps/province, apps/city, apps/county); the embedded default serves all three.
 */
export const bootstrap = async (fixedLevel?: Level): Promise<void> => {
  // Everything this process creates is owner-only. The stores, read models, checkpoints and keys
  // make their files private themselves; the umask also covers files no code here names (SQLite's
  // own, a library's), whatever umask the process was started with.
  process.umask(0o077);
  const env = fixedLevel ? { ...process.env, LEVEL: process.env.LEVEL || fixedLevel } : process.env;
  let config: LinkageConfig | undefined;
  try {
    // Before anything is read or written there: a wrong folder is named as such.
    checkDataFolder(resolve(env.DATA_DIR || './data'));
    config = loadConfig(env);
    if (fixedLevel && config.levels.join() !== fixedLevel) throw new CannotStart(`this is the ${fixedLevel} service; LEVEL=${config.levels.join()} contradicts it`, 2);
    useOperationsLog(createOperationsLog({ level: config.logLevel, pretty: process.stdout.isTTY === true }));
    // Node's own warnings (deprecations of a library) into the same log instead of loose stderr text.
    process.removeAllListeners('warning');
    process.on('warning', (warning) => operationsLog().warn({ event: 'process-warning', name: warning.name, code: (warning as NodeJS.ErrnoException).code }, warning.message));
    // Before the levels start: their relays and inboxes trace from their first batch.
    if (config.tracing) await startTracing({ settings: config.tracing, resource: { 'linkage.levels': config.levels.join(',') } });
    await serve(config);
  } catch (error) {
    const levelPort = config?.levels.length === 1 ? `${config.levels[0]!.toUpperCase()}_PORT` : undefined;
    const { line, exitCode } = describeStartupFailure(error, {
      host: config?.host,
      port: config?.port,
      portVariable: levelPort && env[levelPort] ? levelPort : 'PORT',
    });
    failStartup(line, exitCode);
  }
};

const serve = async (config: LinkageConfig): Promise<void> => {
  // The read models and relay checkpoints are in DATA_DIR whatever the store: say which process
  // serves these levels from it, so that `rebuild` refuses to drop them under this server.
  let locks: ServerLocks;
  try {
    locks = ServerLocks.acquire(config.dataDir, config.levels);
  } catch (error) {
    throw error instanceof LevelServedElsewhere ? new CannotStart(error.message) : error;
  }
  // On every way out: an orderly stop, a failed start, an uncaught error.
  process.once('exit', () => locks.release());
  // Each served level's token keyring is made on the first start (or given in the environment); the
  // other levels' public keys come from the JWKS files the operator trusts.
  let tokenKeys: TokenKeys;
  try {
    tokenKeys = await openTokenKeys({
      levels: config.levels,
      given: config.tokens.signingKeys,
      dataDir: config.dataDir,
      trustedJwks: config.tokens.trustedJwks,
      missing: 'generate',
    });
  } catch (error) {
    throw error instanceof InvalidTokenKeys ? new CannotStart(error.message, 2) : error;
  }
  const bus = openConfiguredBus(config);
  const runtime = await LinkageRuntime.start({
    levels: config.levels,
    clock: systemClock,
    bus,
    openStore: (level) => openConfiguredStore(config, level),
    dataDir: config.dataDir,
    audit: {
      signingKeys: config.audit.signingKeys,
      retiredKeyIds: config.audit.retiredKeyIds,
      keyFolder: config.dataDir,
      signing: { everyEvents: config.audit.signEveryEvents, intervalMs: config.audit.signIntervalMs },
      snapshotEveryEvents: config.audit.snapshotEveryEvents,
    },
    idempotencyRetentionMillis: config.idempotencyRetentionMillis,
    storeRetry: config.storeRetry,
  });
  const app = await createHttpApp({
    runtime,
    tokens: new TokenService(tokenKeys, { levelOf: (jurisdiction) => runtime.levelOf(jurisdiction), maxLifetimeSeconds: config.tokens.maxLifetimeSeconds }),
    limits: config.requests,
    liveViews: config.liveViews,
    sessions: config.sessions,
    readiness: { maxProjectionLag: config.readyMaxProjectionLag },
    ...(config.dashboardDir !== undefined ? { dashboardDir: config.dashboardDir } : {}),
  });
  await app.listen({ port: config.port, host: config.host });
  const metricsPort = config.metricsPort;
  const metricsServer =
    metricsPort === undefined
      ? undefined
      : await serveMetrics(app, { host: config.host, port: metricsPort }).catch((error: unknown) => {
          // Named as the setting it comes from: describeStartupFailure would call it PORT.
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          throw new CannotStart(`METRICS_PORT=${metricsPort} is in use on ${config.host}: another process listens there; stop it or choose another port`);
        });
  // Where it really listens (HOST decides who can reach it; PORT=0 lets the system choose the port).
  const bound = app.getHttpServer().address() as AddressInfo;
  const address = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  // One log line (JSON unless stdout is a terminal); its message keeps the words the harnesses
  // and people look for, the fields say the rest.
  operationsLog().info(
    {
      event: 'started',
      levels: config.levels,
      address,
      ...(metricsServer ? { metrics: `http://${config.host}:${metricsServer.port}/metrics` } : {}),
      store: `${config.store}${config.store === 'sqlite' ? ` (${config.dataDir}, synchronous=${config.sqliteSynchronous})` : ''}`,
      bus: config.bus,
      tracing: config.tracing ? `${config.tracing.url} as ${config.tracing.serviceName} (${config.tracing.sampler})` : 'off',
      tokenKeys: config.levels
        .map((level) => `${level} ${config.tokens.signingKeys[level] !== undefined ? `TOKEN_SIGNING_KEY_${level.toUpperCase()}` : `${config.dataDir}/${level}.token-keys.json`} (kid ${tokenKeys.signingKey(level)?.kid ?? '?'})`)
        .join('; '),
      trustedTokenKeys: config.tokens.trustedJwks,
      auditSigningKeys: config.levels
        .map((level) => {
          const audit = runtime.node(level)!.audit;
          if (!audit.signer) return `${level} none (its store keeps no hash chain)`;
          const source = typeof audit.keySource === 'object' ? audit.keySource.file : 'from the environment';
          return `${level} ${source} (key id ${audit.signer.key.keyId.slice(0, 16)})`;
        })
        .join('; '),
      dashboard: `${address}/`,
      docs: `${address}/docs`,
      health: `${address}/health`,
      mintAToken: 'npm run token -- --id me --jurisdiction 350000 --role leading-group (add --link for a browser sign-in link)',
    },
    // The harnesses read the address after the first " on "; the dashboard follows a space later.
    `inspection linkage serving ${config.levels.join(', ')} on ${address} — dashboard (看板) at ${address}/`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    operationsLog().info({ event: 'stopping', signal }, `${signal}: stopping`);
    metricsServer?.close();
    await app.close();
    await runtime.stop();
    // The spans of the last commands, still in the batch, go out before the process does.
    await stopTracing();
    locks.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
};
