import { createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Level } from '#domain';
import { LEVELS, isLevel, levelDepth } from '#domain';
import { SqliteChainFile, exportLines, jurisdictionFilter } from '#audit';
import { loadReferenceRegistry } from '#linkage';
import type { ParsedArgs } from './args.js';
import { UsageError, requiredOption } from './args.js';

export const EXPORT_USAGE = `node dist/apps/cli/main.js export --level province|city|county [--jurisdiction CODE] [--data-dir DIR] [--out FILE]
  Writes a level's history as NDJSON (to FILE or stdout) with every signed head of the level that
  the data folder's store files hold, verifiable offline with \`verify --export FILE\`. With
  --jurisdiction only that jurisdiction's facts (and its descendants') are shown; the others are
  redacted to their digests, which still lets the whole chain be recomputed. Reads the files only.`;

export const runExport = async (args: ParsedArgs): Promise<void> => {
  const level = requiredOption(args, 'level');
  if (!isLevel(level)) throw new UsageError('--level must be province, city or county');
  const jurisdiction = args.options.get('jurisdiction');
  if (jurisdiction !== undefined && (typeof jurisdiction !== 'string' || !/^\d{6}$/.test(jurisdiction))) throw new UsageError('--jurisdiction must be a 6-digit code');
  const dataDir = resolve(typeof args.options.get('data-dir') === 'string' ? (args.options.get('data-dir') as string) : process.env.DATA_DIR || './data');
  const fileOf = (of: Level) => join(dataDir, `${of}.events.db`);
  if (!existsSync(fileOf(level))) throw new UsageError(`${fileOf(level)} does not exist`);

  const store = SqliteChainFile.open(fileOf(level));
  // The signed heads of this level held by the level itself and by every level above it.
  const holders = LEVELS.filter((other) => other !== level && levelDepth(other) < levelDepth(level) && existsSync(fileOf(other))).map((other) => ({
    level: other,
    file: SqliteChainFile.open(fileOf(other)),
  }));
  try {
    const heads = [store.signedHeads(level, level), ...holders.map((holder) => holder.file.signedHeads(level, holder.level))].flat();
    const head = store.head();
    let include;
    if (typeof jurisdiction === 'string') {
      const registry = loadReferenceRegistry();
      for (const entry of store.registeredJurisdictions()) if (!registry.get(entry.code) && (entry.parent === null || registry.get(entry.parent))) registry.add(entry);
      if (!registry.get(jurisdiction)) throw new UsageError(`jurisdiction ${jurisdiction} is not registered`);
      include = jurisdictionFilter(registry, jurisdiction);
    }
    const out = typeof args.options.get('out') === 'string' ? createWriteStream(resolve(args.options.get('out') as string)) : process.stdout;
    let lines = 0;
    for await (const line of exportLines({
      source: store,
      level,
      ...(typeof jurisdiction === 'string' ? { jurisdiction, include } : {}),
      heads,
      head,
      exportedAt: new Date().toISOString(),
    })) {
      lines++;
      if (!out.write(`${line}\n`)) await once(out, 'drain');
    }
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
      console.error(`${level}${typeof jurisdiction === 'string' ? ` (${jurisdiction})` : ''}: ${lines} lines, head ${head.position}, ${heads.length} signed heads → ${resolve(args.options.get('out') as string)}`);
    }
  } finally {
    store.close();
    for (const holder of holders) holder.file.close();
  }
};
