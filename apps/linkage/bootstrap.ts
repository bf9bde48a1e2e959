import type { AddressInfo } from 'node:net';
import type { Level } from '#domain';
import { ConfigurationError, loadConfig } from '#config';
import { TokenService, createHttpApp } from '#http';
import { LevelServedElsewhere, LinkageRuntime, ServerLocks, openConfiguredBus, openConfiguredStore, systemClock } from '#linkage';

/**
 * Starts the levels this process serves and their HTTP edge. `fixedLevel` pins the level of a
 * one-level app (apps/province, apps/city, apps/county); the embedded default serves all three.
 */
export const bootstrap = async (fixedLevel?: Level): Promise<void> => {
  // Everything this process creates is owner-only. The stores, read models, checkpoints and keys
  // make their files private themselves; the umask also covers files no code here names (SQLite's
  // own, a library's), whatever umask the process was started with.
  process.umask(0o077);
  let config;
  try {
    config = loadConfig(fixedLevel ? { ...process.env, LEVEL: process.env.LEVEL || fixedLevel } : process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  if (fixedLevel && config.levels.join() !== fixedLevel) {
    console.error(`this is the ${fixedLevel} service; LEVEL=${config.levels.join()} contradicts it`);
    process.exit(2);
  }
  // The read models and relay checkpoints are in DATA_DIR whatever the store: say which process
  // serves these levels from it, so that `rebuild` refuses to drop them under this server.
  let locks: ServerLocks;
  try {
    locks = ServerLocks.acquire(config.dataDir, config.levels);
  } catch (error) {
    if (error instanceof LevelServedElsewhere) {
      console.error(`cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // On every way out: an orderly stop, a failed start, an uncaught error.
  process.once('exit', () => locks.release());
  const bus = openConfiguredBus(config);
  const runtime = await LinkageRuntime.start({
    levels: config.levels,
    clock: systemClock,
    bus,
    openStore: (level) => openConfiguredStore(config, level),
    dataDir: config.dataDir,
    audit: {
      signingKeys: config.audit.signingKeys,
      keyFolder: config.dataDir,
      signing: { everyEvents: config.audit.signEveryEvents, intervalMs: config.audit.signIntervalMs },
      snapshotEveryEvents: config.audit.snapshotEveryEvents,
    },
    idempotencyRetentionMillis: config.idempotencyRetentionMillis,
  });
  const app = await createHttpApp({
    runtime,
    tokens: new TokenService(config.tokenSigningKey),
    limits: config.requests,
    liveViews: config.liveViews,
    sessions: config.sessions,
    ...(config.dashboardDir !== undefined ? { dashboardDir: config.dashboardDir } : {}),
  });
  await app.listen({ port: config.port, host: config.host });
  // Where it really listens (HOST decides who can reach it; PORT=0 lets the system choose the port).
  const bound = app.getHttpServer().address() as AddressInfo;
  const address = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  console.log(
    [
      `inspection linkage serving ${config.levels.join(', ')} on ${address}`,
      `  store: ${config.store}${config.store === 'sqlite' ? ` (${config.dataDir}, synchronous=${config.sqliteSynchronous})` : ''}; bus: ${config.bus}`,
      `  token signing key: ${config.tokenSigningKeySource === 'environment' ? 'TOKEN_SIGNING_KEY' : `${config.dataDir}/token-signing.key`}`,
      `  audit signing keys: ${config.levels
        .map((level) => {
          const audit = runtime.node(level)!.audit;
          if (!audit.signer) return `${level} none (its store keeps no hash chain)`;
          const source = typeof audit.keySource === 'object' ? audit.keySource.file : 'from the environment';
          return `${level} ${source} (key id ${audit.signer.key.keyId.slice(0, 16)})`;
        })
        .join('; ')}`,
      `  dashboard: ${address}/   API docs: ${address}/docs   health: ${address}/health`,
      `  mint a token: npm run token -- --id me --jurisdiction 350000 --role leading-group (add --link for a browser sign-in link)`,
    ].join('\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await app.close();
    await runtime.stop();
    locks.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
};
