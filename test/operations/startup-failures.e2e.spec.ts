import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EndedStart } from '../harness/failing-start.js';
import { runFailingStart } from '../harness/failing-start.js';

/** The whole of stderr is one line, `cannot start: …`, matching `pattern`. */
const expectOneLine = (ended: EndedStart, code: number, pattern: RegExp): void => {
  expect({ code: ended.code, stderr: ended.stderr.trimEnd().split('\n') }).toEqual({ code, stderr: [expect.stringMatching(pattern)] });
  expect(ended.stderr).toMatch(/^cannot start: /);
};

describe('a server that cannot start says why in one line on stderr and exits non-zero', () => {
  let parent: string;

  beforeAll(() => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'startup-'));
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('DATA_DIR that is a file', async () => {
    const file = join(parent, 'a-file');
    writeFileSync(file, 'not a folder');
    expectOneLine(await runFailingStart({ DATA_DIR: file, PORT: '0' }), 1, /^cannot start: DATA_DIR=.*a-file is a file, not a folder$/);
  });

  it('DATA_DIR below a file, which cannot be created', async () => {
    const file = join(parent, 'another-file');
    writeFileSync(file, 'not a folder');
    expectOneLine(await runFailingStart({ DATA_DIR: join(file, 'data'), PORT: '0' }), 1, /^cannot start: DATA_DIR=.*another-file\/data cannot be created: .*another-file.* is a file where a folder is needed$/);
  });

  // root writes into any folder whatever its mode: the check cannot be seen failing as root.
  (process.getuid?.() === 0 ? it.skip : it)('DATA_DIR that is not writable', async () => {
    const folder = join(parent, 'read-only');
    mkdirSync(folder, { mode: 0o500 });
    try {
      expectOneLine(await runFailingStart({ DATA_DIR: folder, PORT: '0' }), 1, /^cannot start: DATA_DIR=.*read-only is not writable by this process/);
    } finally {
      chmodSync(folder, 0o700);
    }
  });

  it('PORT in use by another process', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const ended = await runFailingStart({ DATA_DIR: join(parent, 'port-in-use'), PORT: String(port) });
      expectOneLine(ended, 1, new RegExp(`^cannot start: PORT=${port} is in use on 127\\.0\\.0\\.1: another process listens there; stop it or choose another port$`));
    } finally {
      taken.close();
    }
  });

  it('METRICS_PORT in use, named as such', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const ended = await runFailingStart({ DATA_DIR: join(parent, 'metrics-port-in-use'), PORT: '0', METRICS_PORT: String(port) });
      expectOneLine(ended, 1, new RegExp(`^cannot start: METRICS_PORT=${port} is in use on 127\\.0\\.0\\.1: another process listens there; stop it or choose another port$`));
    } finally {
      taken.close();
    }
  });

  it('a malformed configuration value, with exit code 2', async () => {
    expectOneLine(
      await runFailingStart({ DATA_DIR: join(parent, 'malformed'), PORT: 'eighty', LIVE_MAX_TOTAL: '0' }),
      2,
      /^cannot start: invalid configuration: PORT=eighty is not a TCP port \(0-65535\); LIVE_MAX_TOTAL=0 is not a whole number >= 1$/,
    );
  });

  it('the old shared token secret, naming what to use instead, with exit code 2 (and no keyring made)', async () => {
    const dataDir = join(parent, 'old-secret');
    expectOneLine(
      await runFailingStart({ DATA_DIR: dataDir, PORT: '0', TOKEN_SIGNING_KEY: 'startup-test-signing-key-of-32-bytes-at-least' }),
      2,
      /^cannot start: invalid configuration: TOKEN_SIGNING_KEY \(one secret shared by every level\) is no longer read: unset it; each level signs with its own Ed25519 key \(kept in DATA_DIR\/<level>\.token-keys\.json, or given as TOKEN_SIGNING_KEY_<LEVEL>\) and trusts the other levels' public keys through TOKEN_TRUSTED_JWKS$/,
    );
    expect(existsSync(join(dataDir, 'province.token-keys.json'))).toBe(false);
  });

  it('a trusted JWKS that is no key set, naming the file, with exit code 2', async () => {
    const file = join(parent, 'province.jwks.json');
    writeFileSync(file, '{"keys": [{"kty": "RSA"}]}');
    expectOneLine(await runFailingStart({ DATA_DIR: join(parent, 'bad-jwks'), PORT: '0', LEVEL: 'county', TOKEN_TRUSTED_JWKS: file }), 2, /^cannot start: .*province\.jwks\.json: key 1 is not an Ed25519 public key/);
  });

  it('a store file written by another version of the code', async () => {
    const dataDir = join(parent, 'other-version');
    mkdirSync(dataDir, { mode: 0o700 });
    const db = new Database(join(dataDir, 'county.events.db'));
    db.pragma('user_version = 99');
    db.close();
    expectOneLine(await runFailingStart({ DATA_DIR: dataDir, PORT: '0' }), 1, /^cannot start: .*county\.events\.db has schema version 99, this code reads version \d+/);
  });
});
