import { createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Level } from '#domain';
import { LEVELS, isLevel, levelDepth } from '#domain';
import { SqliteChainFile, exportLines, jurisdictionFilter } from '#audit';
import { loadReferenceRegistry } from '#linkage';
import { UsageError, requiredOption, subcommand } from './args.js';

export const EXPORT_USAGE = `node dist/apps/cli/main.js export --level province|city|county [--jurisdiction CODE] [--data-dir DIR] [--out FILE]
  Writes a level's history as NDJSON (to FILE or stdout) with every signed head of the level that
  the data folder's store files hold, verifiable offline with \`verify --export FILE\`. With
  --jurisdiction only that jurisdiction's facts (and its descendants') are shown; the others are
  redacted to their digests, which still lets the whole chain be recomputed. Reads the files only.`;

export const exportCommand = subcommand({
  name: 'export',
  usage: EXPORT_USAGE,
  options: { level: { type: 'string' }, jurisdiction: { type: 'string' }, 'data-dir': { type: 'string' }, out: { type: 'string' } },
  run: async ({ values }) => runExport(values),
});

const runExport = async (args: { level?: string; jurisdiction?: string; 'data-dir'?: string; out?: string }): Promise<void> => {
  const level = requiredOption(args.level, 'level');
  if (!isLevel(level)) throw new UsageError('--level must be province, city or county');
  const jurisdiction = args.jurisdiction;
  if (jurisdiction !== undefined && !/^\d{6}$/.test(jurisdiction)) throw new UsageError('--jurisdiction must be a 6-digit code');
  const dataDir = resolve(args['data-dir'] ?? (process.env.DATA_DIR || './data'));
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
    const outFile = args.out === undefined ? undefined : resolve(args.out);
    const out = outFile !== undefined ? createWriteStream(outFile) : process.stdout;
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
    if (outFile !== undefined) {
      out.end();
      await once(out, 'finish');
      console.error(`${level}${typeof jurisdiction === 'string' ? ` (${jurisdiction})` : ''}: ${lines} lines, head ${head.position}, ${heads.length} signed heads → ${outFile}`);
    }
  } finally {
    store.close();
    for (const holder of holders) holder.file.close();
  }
};
