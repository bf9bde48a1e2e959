import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded default as `npm start` runs it (`node dist/apps/linkage/main.js`): for tests of what
 * only its entry point does (the banner, the umask, the data-folder lock). It runs the built code,
 * so `npm run build` must have run (`npm test` does).
 */
export interface EmbeddedServer {
  /** The URL the banner says it serves on. */
  readonly url: string;
  readonly pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** What it printed on stdout alone (its log lines). */
  stdout(): string;
  /** SIGTERM, the orderly shutdown; resolves with its exit code. */
  stop(): Promise<number | null>;
}

const BANNER = /serving .* on (http:\/\/[^\s"]+)/;
const START_TIMEOUT_MS = 60_000;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts it with exactly `env` (plus PATH and HOME) and resolves once its banner names its URL. */
export const startEmbeddedServer = async (env: Readonly<Record<string, string>>): Promise<EmbeddedServer> => {
  const main = join(process.cwd(), 'dist', 'apps', 'linkage', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  let stdout = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      const match = BANNER.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      take(chunk);
    });
    child.stderr!.on('data', take);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before its banner:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stdout: () => stdout,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
};
