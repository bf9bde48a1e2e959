import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface EndedStart {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built embedded default (`node dist/apps/linkage/main.js`) with exactly `env` (plus PATH
 * and HOME) until it exits: for starts that must fail. A start that does not end within
 * `timeoutMs` is killed and reported as such.
 */
export const runFailingStart = (env: Readonly<Record<string, string>>, timeoutMs = 30_000): Promise<EndedStart> => {
  const main = join(process.cwd(), 'dist', 'apps', 'linkage', 'main.js');
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(still running after ${timeoutMs} ms: killed)`;
    }, timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
};
