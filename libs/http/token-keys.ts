/**
 * Token keys per level (README "Keys and rotation"). Each level signs bearer tokens with its own
 * Ed25519 key; a token's `kid` names the key, and a key belongs to one level. A process holds the
 * private keys of the levels it serves only (the embedded default: all three) and the public halves
 * of the others, from the JWKS files it is told to trust: so a county process can verify a province
 * token but cannot make one. Keys rotate: one active key per level signs, retired ones keep
 * verifying the tokens they signed before their retirement until those expire.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK } from 'jose';
import type { Level } from '#domain';
import { LEVELS, isLevel } from '#domain';

/** The JOSE algorithm of every token key: EdDSA over Ed25519 (RFC 8037). */
export const TOKEN_ALGORITHM = 'EdDSA';

/** A key file, a JWKS file or a key from the environment that cannot be used: one line saying which and why. */
export class InvalidTokenKeys extends Error {
  override readonly name = 'InvalidTokenKeys';
}

/** The public half of an Ed25519 key as a JWK (RFC 8037). */
export interface PublicJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly x: string;
}

/** What `GET /.well-known/jwks.json` publishes per key: the public JWK, its id and the level it speaks for. */
export interface PublishedJwk extends PublicJwk {
  readonly kid: string;
  readonly alg: typeof TOKEN_ALGORITHM;
  readonly use: 'sig';
  /** The level whose jurisdictions this key may issue tokens for. */
  readonly level: Level;
  /** When it stopped signing: tokens it issued later are refused. Absent: the active key. */
  readonly retiredAt?: string;
}

export interface JsonWebKeySet {
  readonly keys: readonly PublishedJwk[];
}

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

/** One token key as a process holds it. */
export interface TokenKey {
  readonly kid: string;
  readonly level: Level;
  readonly publicJwk: PublicJwk;
  readonly verifyKey: VerifyKey;
  /** Only for a level this process signs for. */
  readonly signKey?: VerifyKey;
  /** Instant (ms) it was retired; undefined while it is the level's active key. */
  readonly retiredAt?: number;
}

/** A level's keys as kept in `DATA_DIR/<level>.token-keys.json`: the last one not retired signs. */
export interface TokenKeyringFile {
  readonly level: Level;
  readonly keys: readonly { readonly kid: string; readonly createdAt: string; readonly retiredAt?: string; readonly privateKey: string }[];
}

export const tokenKeyringFileOf = (dataDir: string, level: Level): string => join(dataDir, `${level}.token-keys.json`);

const publicJwkOf = (key: KeyObject): PublicJwk => {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { kty?: string; crv?: string; x?: string };
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new InvalidTokenKeys('a token key must be Ed25519');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
};

/**
 * `<level>-<RFC 7638 thumbprint>`: the id says whose key it is to a person reading a token, and is
 * fixed by the key itself, so the same key given twice (a file and a JWKS) has one id.
 */
export const tokenKeyIdOf = (level: Level, jwk: PublicJwk): string =>
  `${level}-${createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`).digest('base64url')}`;

const parsePrivateKey = (text: string, what: string): KeyObject => {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN')
      ? createPrivateKey({ key: trimmed, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new InvalidTokenKeys(`${what} is not a PKCS#8 private key (PEM, or base64 DER): ${(error as Error).message.split('\n')[0]}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new InvalidTokenKeys(`${what} must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  return key;
};

/** A private key (PKCS#8 PEM or base64 DER) of `level`, as a key this process signs with. */
export const signingTokenKey = async (level: Level, privateKeyText: string, what: string, retiredAt?: number): Promise<TokenKey> => {
  const privateKey = parsePrivateKey(privateKeyText, what);
  const publicJwk = publicJwkOf(privateKey);
  return {
    kid: tokenKeyIdOf(level, publicJwk),
    level,
    publicJwk,
    verifyKey: await importJWK({ ...publicJwk }, TOKEN_ALGORITHM),
    signKey: await importJWK(privateKey.export({ format: 'jwk' }) as Record<string, string>, TOKEN_ALGORITHM),
    ...(retiredAt !== undefined ? { retiredAt } : {}),
  };
};

export const generateTokenKeyPem = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

const writePrivateFile = (file: string, text: string): void => {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  // Written beside and renamed: a reader (the server re-reading on an unknown kid) never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
};

const newKeyringEntry = (level: Level, now: Date): TokenKeyringFile['keys'][number] => {
  const privateKey = generateTokenKeyPem();
  return { kid: tokenKeyIdOf(level, publicJwkOf(createPrivateKey(privateKey))), createdAt: now.toISOString(), privateKey };
};

export const readTokenKeyring = (file: string, level: Level): TokenKeyringFile => {
  let parsed: Partial<TokenKeyringFile>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<TokenKeyringFile>;
  } catch (error) {
    throw new InvalidTokenKeys(`${file} cannot be read as a token keyring: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed?.level !== level || !Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new InvalidTokenKeys(`${file} is not the ${level} level's token keyring (it needs "level": "${level}" and at least one key)`);
  }
  return parsed as TokenKeyringFile;
};

/** The level's keyring in `dataDir`, made with one key when there is none (a server's first start). */
export const ensureTokenKeyring = (dataDir: string, level: Level, now = new Date()): string => {
  const file = tokenKeyringFileOf(dataDir, level);
  if (!existsSync(file)) writePrivateFile(file, `${JSON.stringify({ level, keys: [newKeyringEntry(level, now)] }, null, 2)}\n`);
  return file;
};

export interface TokenKeyRotation {
  readonly file: string;
  readonly retired: string | undefined;
  readonly active: string;
  /** Keys dropped: retired longer ago than the longest token lifetime, so nothing they signed is still good. */
  readonly dropped: readonly string[];
}

/**
 * Makes a new active key for `level` and retires the one that signed until now. The retired key
 * keeps verifying what it signed before `now`; once `maxLifetimeSeconds` have passed since, every
 * such token has expired and a later rotation drops it.
 */
export const rotateTokenKey = (dataDir: string, level: Level, maxLifetimeSeconds: number, now = new Date()): TokenKeyRotation => {
  const file = tokenKeyringFileOf(dataDir, level);
  if (!existsSync(file)) throw new InvalidTokenKeys(`${file} does not exist: start the server once on this folder (it makes the ${level} keyring), or give TOKEN_SIGNING_KEY_${level.toUpperCase()}`);
  const keyring = readTokenKeyring(file, level);
  const stamp = now.toISOString();
  const active = keyring.keys.findLast((key) => key.retiredAt === undefined);
  const horizon = now.getTime() - maxLifetimeSeconds * 1000;
  const kept = keyring.keys.filter((key) => key.retiredAt === undefined || Date.parse(key.retiredAt) > horizon);
  const dropped = keyring.keys.filter((key) => !kept.includes(key)).map((key) => key.kid);
  const next = newKeyringEntry(level, now);
  const keys = [...kept.map((key) => (key.retiredAt === undefined ? { ...key, retiredAt: stamp } : key)), next];
  writePrivateFile(file, `${JSON.stringify({ level, keys }, null, 2)}\n`);
  return { file, retired: active?.kid, active: next.kid, dropped };
};

const keysOfKeyring = async (file: string, level: Level): Promise<TokenKey[]> => {
  const keyring = readTokenKeyring(file, level);
  return Promise.all(
    keyring.keys.map(async (entry, index) => {
      const retiredAt = entry.retiredAt === undefined ? undefined : Date.parse(entry.retiredAt);
      if (retiredAt !== undefined && Number.isNaN(retiredAt)) throw new InvalidTokenKeys(`${file}: key ${index + 1} has a retiredAt that is not an instant`);
      const key = await signingTokenKey(level, entry.privateKey, `${file}: key ${index + 1}`, retiredAt);
      if (key.kid !== entry.kid) throw new InvalidTokenKeys(`${file}: key ${index + 1} is named ${entry.kid} but its key's id is ${key.kid}`);
      return key;
    }),
  );
};

/** Reads a JWKS another level's process published; every key must be an Ed25519 key naming its level. */
export const parseJwks = async (text: string, source: string): Promise<TokenKey[]> => {
  let parsed: { keys?: unknown };
  try {
    parsed = JSON.parse(text) as { keys?: unknown };
  } catch (error) {
    throw new InvalidTokenKeys(`${source} is not JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(parsed?.keys)) throw new InvalidTokenKeys(`${source} is not a JWKS (no "keys" list)`);
  return Promise.all(
    parsed.keys.map(async (value: unknown, index) => {
      const jwk = value as Partial<PublishedJwk> & { d?: unknown };
      const where = `${source}: key ${index + 1}`;
      if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new InvalidTokenKeys(`${where} is not an Ed25519 public key (kty OKP, crv Ed25519, x)`);
      if (jwk.d !== undefined) throw new InvalidTokenKeys(`${where} holds a private key: a trusted JWKS holds public halves only`);
      if (!isLevel(jwk.level)) throw new InvalidTokenKeys(`${where} names no level ("level": one of ${LEVELS.join(', ')})`);
      const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
      const kid = tokenKeyIdOf(jwk.level, publicJwk);
      if (jwk.kid !== kid) throw new InvalidTokenKeys(`${where} is named ${String(jwk.kid)} but its key's id is ${kid}`);
      const retiredAt = jwk.retiredAt === undefined ? undefined : Date.parse(jwk.retiredAt);
      if (retiredAt !== undefined && Number.isNaN(retiredAt)) throw new InvalidTokenKeys(`${where} has a retiredAt that is not an instant`);
      let verifyKey: VerifyKey;
      try {
        verifyKey = await importJWK({ ...publicJwk }, TOKEN_ALGORITHM);
      } catch (error) {
        throw new InvalidTokenKeys(`${where} cannot be imported: ${(error as Error).message}`);
      }
      return { kid, level: jwk.level, publicJwk, verifyKey, ...(retiredAt !== undefined ? { retiredAt } : {}) };
    }),
  );
};

/** Refreshing on an unknown kid at most this often: a stream of made-up kids must not keep the disk busy. */
const REFRESH_AT_MOST_EVERY_MS = 1_000;

/** Every token key a process knows: its own levels' (private and public) and the trusted others' (public). */
export class TokenKeys {
  private byKid = new Map<string, TokenKey>();
  private lastLoad = 0;

  private constructor(private readonly load: () => Promise<TokenKey[]>) {}

  /** Keys read by `load`, now and again when a token names a kid not known yet (a rotation). */
  static async open(load: () => Promise<TokenKey[]>): Promise<TokenKeys> {
    const keys = new TokenKeys(load);
    await keys.reload();
    return keys;
  }

  /** A fixed set of keys. */
  static of(keys: readonly TokenKey[]): Promise<TokenKeys> {
    return TokenKeys.open(async () => [...keys]);
  }

  /** A new key for each of `levels`, kept in memory only (tests, scenario runs, benchmarks). */
  static async generate(levels: readonly Level[] = LEVELS): Promise<TokenKeys> {
    return TokenKeys.of(await Promise.all(levels.map((level) => signingTokenKey(level, generateTokenKeyPem(), `a new ${level} key`))));
  }

  async reload(): Promise<void> {
    const keys = await this.load();
    const byKid = new Map<string, TokenKey>();
    for (const key of keys) {
      const known = byKid.get(key.kid);
      // The same key from two sources (its keyring and a JWKS that repeats it): the one with the private half wins.
      if (known === undefined || (known.signKey === undefined && key.signKey !== undefined)) byKid.set(key.kid, key);
    }
    this.byKid = byKid;
    this.lastLoad = Date.now();
  }

  /** The key `kid` names; when it is unknown, the sources are read again first (a rotation since). */
  async find(kid: string): Promise<TokenKey | undefined> {
    const known = this.byKid.get(kid);
    if (known !== undefined) return known;
    await this.refresh();
    return this.byKid.get(kid);
  }

  /** Reads the sources again unless that was done within the last second. */
  async refresh(): Promise<void> {
    if (Date.now() - this.lastLoad < REFRESH_AT_MOST_EVERY_MS) return;
    try {
      await this.reload();
    } catch {
      // A keyring being rewritten or damaged: keep what was read before; the start-up check named it.
      this.lastLoad = Date.now();
    }
  }

  /** The key `level` signs with now: its newest key not retired that this process holds privately. */
  signingKey(level: Level): TokenKey | undefined {
    let active: TokenKey | undefined;
    for (const key of this.byKid.values()) if (key.level === level && key.signKey !== undefined && key.retiredAt === undefined) active = key;
    return active;
  }

  /** The levels this process signs tokens for. */
  get signingLevels(): Level[] {
    return LEVELS.filter((level) => this.signingKey(level) !== undefined);
  }

  /** The public halves of the keys this process signs with, retired ones included: what other levels' processes trust. */
  jwks(): JsonWebKeySet {
    return {
      keys: [...this.byKid.values()]
        .filter((key) => key.signKey !== undefined)
        .map((key) => ({
          ...key.publicJwk,
          kid: key.kid,
          alg: TOKEN_ALGORITHM,
          use: 'sig' as const,
          level: key.level,
          ...(key.retiredAt !== undefined ? { retiredAt: new Date(key.retiredAt).toISOString() } : {}),
        })),
    };
  }
}

export interface TokenKeySources {
  /** Levels this process signs for (the levels it serves). */
  readonly levels: readonly Level[];
  /** Private keys given in the environment (TOKEN_SIGNING_KEY_<LEVEL>), by level; the others come from `dataDir`. */
  readonly given?: Partial<Record<Level, string>>;
  /** Where a level without a given key keeps its keyring. */
  readonly dataDir?: string;
  /**
   * Other levels' JWKS (TOKEN_TRUSTED_JWKS): files, or http(s) URLs of their /.well-known/jwks.json.
   * Their keys verify, never sign.
   */
  readonly trustedJwks?: readonly string[];
  /**
   * A served level without a given key and without a keyring: 'generate' one (a server's first
   * start) or 'refuse' (the token command: a key it made would be one no server knows).
   */
  readonly missing: 'generate' | 'refuse';
}

const isUrl = (source: string): boolean => /^https?:\/\//.test(source);
/** A peer that does not answer within this is asked again on the next unknown kid. */
const FETCH_TIMEOUT_MS = 3_000;

/**
 * The keys of a JWKS URL, as last fetched. Another level's process may start later than this one
 * or be down: then its keys are those fetched before (none at first), and the next token naming a
 * kid not known here asks again, so a start never waits for, or fails on, a peer.
 */
const remoteJwks = (url: string): (() => Promise<TokenKey[]>) => {
  let last: TokenKey[] = [];
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
      if (!response.ok) return last;
      last = await parseJwks(await response.text(), `TOKEN_TRUSTED_JWKS ${url}`);
    } catch {
      // Unreachable, or not a key set: keep what was fetched before.
    }
    return last;
  };
};

const fileJwks = (file: string): (() => Promise<TokenKey[]>) => async () => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidTokenKeys(`TOKEN_TRUSTED_JWKS file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseJwks(text, `TOKEN_TRUSTED_JWKS file ${file}`);
};

/** The keys a server or the token command uses, read from the environment, the data folder and the trusted JWKS. */
export const openTokenKeys = async (sources: TokenKeySources): Promise<TokenKeys> => {
  const given = await Promise.all(
    sources.levels
      .filter((level) => sources.given?.[level] !== undefined)
      .map((level) => signingTokenKey(level, sources.given![level]!, `TOKEN_SIGNING_KEY_${level.toUpperCase()}`)),
  );
  const kept = sources.levels.filter((level) => sources.given?.[level] === undefined);
  if (kept.length > 0 && sources.dataDir === undefined) throw new InvalidTokenKeys(`no token key for ${kept.join(', ')}: give TOKEN_SIGNING_KEY_<LEVEL> or a data folder`);
  const files = kept.map((level) => {
    const file = tokenKeyringFileOf(sources.dataDir!, level);
    if (existsSync(file)) return { level, file };
    if (sources.missing === 'refuse') {
      throw new InvalidTokenKeys(`no ${level} token key in ${sources.dataDir} (${file} does not exist): start the server once on this folder (it makes one), or set TOKEN_SIGNING_KEY_${level.toUpperCase()}`);
    }
    return { level, file: ensureTokenKeyring(sources.dataDir!, level) };
  });
  const trusted = (sources.trustedJwks ?? []).map((source) => (isUrl(source) ? remoteJwks(source) : fileJwks(source)));
  return TokenKeys.open(async () => {
    const own = await Promise.all(files.map(({ level, file }) => keysOfKeyring(file, level)));
    const others = await Promise.all(trusted.map((read) => read()));
    return [...given, ...own.flat(), ...others.flat()];
  });
};

/** A deployment of one process per level: each level's key and what each process is given. */
export interface DeploymentTokenKeys {
  /** Every level's keys: whoever acts as every level (a scenario target, a load generator) signs with them. */
  readonly keys: TokenKeys;
  /** The JWKS of every level's key: each process trusts it (TOKEN_TRUSTED_JWKS). */
  readonly jwks: JsonWebKeySet;
  /** TOKEN_SIGNING_KEY_<LEVEL> of the level's process: its own key only, base64 DER (one line). */
  environmentOf(level: Level): Record<string, string>;
}

/** New keys for a deployment of one process per level (tests and benchmarks of the distributed deployment). */
export const newDeploymentTokenKeys = async (): Promise<DeploymentTokenKeys> => {
  const privateKeys = new Map(LEVELS.map((level) => [level, createPrivateKey(generateTokenKeyPem()).export({ format: 'der', type: 'pkcs8' }).toString('base64')] as const));
  const keys = await TokenKeys.of(await Promise.all(LEVELS.map((level) => signingTokenKey(level, privateKeys.get(level)!, `a new ${level} key`))));
  return { keys, jwks: keys.jwks(), environmentOf: (level) => ({ [`TOKEN_SIGNING_KEY_${level.toUpperCase()}`]: privateKeys.get(level)! }) };
};
