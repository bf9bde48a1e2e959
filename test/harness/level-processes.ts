import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Level } from '#domain';

/**
 * Level services as separate OS processes (`node dist/apps/<level>/main.js`), the way the
 * distributed deployment runs them: for tests that cross process boundaries over real HTTP and a
 * real bus. The processes run the built code, so `npm run build` must have run (`npm test` does).
 */

const LOOPBACK = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** Lines of a process's output kept for the failure message. */
const OUTPUT_LINES = 200;

/** Every process started here, so that a worker that dies still takes its children with it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A TCP port that was free a moment ago (the apps need a fixed port: they cannot report a port 0 choice). */
export const freePort = async (): Promise<number> => {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

export interface LevelProcessOptions {
  readonly level: Level;
  readonly port: number;
  /** Everything else the process reads (LINKAGE_STORE, KAFKA_BROKERS, DATA_DIR, TOKEN_SIGNING_KEY_<LEVEL> ...). */
  readonly env: Readonly<Record<string, string>>;
}

export class LevelProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly output: string[] = [];
  private readonly watches: { readonly pattern: RegExp; readonly lines: string[] }[] = [];
  private starts = 0;

  private constructor(private readonly options: LevelProcessOptions) {}

  /** Starts the process and resolves once it answers /health. */
  static async start(options: LevelProcessOptions): Promise<LevelProcess> {
    const started = new LevelProcess(options);
    await started.launch();
    return started;
  }

  get level(): Level {
    return this.options.level;
  }

  get url(): string {
    return `http://${LOOPBACK}:${this.options.port}`;
  }

  /** Pid of the running process; undefined while it is down. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /**
   * Every line of its output from now on that matches `pattern`, across restarts (the recent output
   * keeps only the last lines): for what a test must never see a service say.
   */
  watch(pattern: RegExp): readonly string[] {
    const lines: string[] = [];
    this.watches.push({ pattern, lines });
    return lines;
  }

  /** Its recent output, for failure messages. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  /** SIGKILL: no shutdown hook runs, in-flight work is lost exactly as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.pid === undefined) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Starts it again with the same configuration (same port, same data folder). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** SIGTERM (the app's orderly shutdown), SIGKILL if that takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.pid === undefined) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref())]);
    if (!stopped) await this.kill();
  }

  private async launch(): Promise<void> {
    const main = join(process.cwd(), 'dist', 'apps', this.options.level, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    this.starts += 1;
    const label = `[${this.options.level} #${this.starts}]`;
    const child = spawn(process.execPath, [main], {
      cwd: process.cwd(),
      // A clean environment: nothing of the test runner's (NODE_OPTIONS, a developer's KAFKA_BROKERS
      // or PROVINCE_PORT) leaks into the service.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...this.options.env,
        LEVEL: this.options.level,
        PORT: String(this.options.port),
        HOST: LOOPBACK,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() === '') continue;
        this.output.push(`${label} ${line}`);
        for (const { pattern, lines } of this.watches) if (pattern.test(line)) lines.push(`${label} ${line}`);
      }
      this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    try {
      await this.waitForHealth(child);
    } catch (error) {
      child.kill('SIGKILL');
      await this.exited;
      throw error;
    }
  }

  private async waitForHealth(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    for (;;) {
      if (exitCode !== undefined || child.exitCode !== null) {
        throw new Error(`the ${this.options.level} service exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${this.recentOutput()}`);
      }
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the ${this.options.level} service was not healthy within ${HEALTH_TIMEOUT_MS} ms:\n${this.recentOutput()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
