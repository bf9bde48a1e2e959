import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Level } from '#domain';
import { LEVELS } from '#domain';
import type { FindingKind, VerificationReport } from '#audit';
import { chainHashOf, verifySqliteFile } from '#audit';
import { parseScenario, runScenario, startEmbeddedHarness } from '#scenario';

const SCENARIO = join(process.cwd(), 'test', 'scenarios', 'fujian-grain-2021.json');
/** The run pauses after these steps, and every level signs its chain head. */
const PAUSES = [10, 23, 27, 30];

/** A deterministic generator, so that a failing trial can be replayed. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

const storeFile = (dir: string, level: Level): string => join(dir, `${level}.events.db`);

/** Verifies `level`'s file with the evidence the other two levels' files hold. */
const verifyLevel = (dir: string, level: Level): Promise<VerificationReport> =>
  verifySqliteFile({ file: storeFile(dir, level), level, others: LEVELS.filter((other) => other !== level).map((other) => ({ file: storeFile(dir, other), level: other })) });

interface Row {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  chain_hash: Buffer;
}

/** What a trial did and what verify must say about it. */
interface Expectation {
  readonly what: string;
  readonly position: number;
  readonly kinds: readonly FindingKind[];
  readonly relatedPosition?: number;
  /** For a re-hashed rewrite: verify can only bound it between two signed heads. */
  readonly within?: boolean;
}

/** Replaces one printable ASCII character of `text` by another. */
const flipCharacter = (text: string, random: () => number): string => {
  const candidates = [...text].map((char, index) => ({ char, index })).filter(({ char }) => /[A-Za-z0-9]/.test(char));
  const { char, index } = candidates[Math.floor(random() * candidates.length)]!;
  const replacement = char === '9' ? '0' : char === 'z' ? 'a' : char === 'Z' ? 'A' : String.fromCharCode(char.charCodeAt(0) + 1);
  return text.slice(0, index) + replacement + text.slice(index + 1);
};

describe('tampering with a level store on disk is detected and located', () => {
  let root: string;
  let pristine: string;
  /** Per level: the store head and the highest position a signed head covers, in the pristine run. */
  const shape = new Map<Level, { head: number; signed: number }>();

  beforeAll(async () => {
    root = mkdtempSync(join(process.cwd(), '.tmp', 'tamper-'));
    pristine = join(root, 'pristine');
    const harness = await startEmbeddedHarness({ dataDir: pristine });
    const scenario = parseScenario(JSON.parse(readFileSync(SCENARIO, 'utf8')), SCENARIO);
    let from = 0;
    let at: string | undefined;
    for (const to of [...PAUSES, scenario.steps.length]) {
      const steps = scenario.steps.slice(from, to).map((step, index) => (index === 0 && step.at === undefined && at ? { ...step, at } : step));
      at = [...steps].reverse().find((step) => step.at !== undefined)?.at ?? at;
      from = to;
      await runScenario({ name: scenario.name, steps, expect: [] }, harness);
      for (const level of LEVELS) await harness.runtime.node(level)!.audit.signer!.signNow();
      await harness.runtime.settle();
    }
    await harness.close();
    for (const level of LEVELS) {
      // Every row into the database file itself (out of the WAL), so that a copy of the file is the
      // whole store and raw bytes can be changed in place.
      const db = new Database(storeFile(pristine, level));
      db.pragma('journal_mode = DELETE');
      const head = (db.prepare('SELECT max(position) AS head FROM events').get() as { head: number }).head;
      db.close();
      expect(existsSync(`${storeFile(pristine, level)}-wal`)).toBe(false);
      const report = await verifyLevel(pristine, level);
      shape.set(level, { head, signed: report.signedHeads.latestConfirmed?.position ?? 0 });
    }
  }, 120_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('an untampered store of every level verifies clean, its heads confirmed by the levels above', async () => {
    for (const level of LEVELS) {
      const report = await verifyLevel(pristine, level);
      expect(report).toMatchObject({ ok: true, firstBroken: null, findings: [] });
      expect(report.events).toBe(shape.get(level)!.head);
      // Four pauses and the end: five heads, each held by the level and every level above it.
      expect(report.signedHeads.confirmed).toBe(5);
      expect([...report.signedHeads.latestConfirmed!.heldBy].sort()).toEqual(LEVELS.slice(0, LEVELS.indexOf(level) + 1).sort());
    }
  });

  it('detects 110 random tamperings, each at the first broken position', async () => {
    const random = seeded(Number(process.env.TAMPER_SEED ?? 20_211_008));
    const pick = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));
    const plan: string[] = [
      ...Array<string>(15).fill('flip-payload'),
      ...Array<string>(10).fill('flip-raw-bytes'),
      ...Array<string>(20).fill('delete'),
      ...Array<string>(10).fill('swap-rows'),
      ...Array<string>(10).fill('swap-contents'),
      ...Array<string>(15).fill('truncate'),
      ...Array<string>(20).fill('rewrite-actor'),
      ...Array<string>(10).fill('rewrite-and-rehash'),
    ];
    const tally = new Map<string, number>();
    for (const [trial, tampering] of plan.entries()) {
      const level: Level = random() < 0.7 ? 'county' : 'city';
      const dir = join(root, `trial-${trial}`);
      mkdirSync(dir);
      for (const each of LEVELS) copyFileSync(storeFile(pristine, each), storeFile(dir, each));
      const file = storeFile(dir, level);
      const { head, signed } = shape.get(level)!;

      let expectation: Expectation;
      if (tampering === 'flip-raw-bytes') {
        // Raw bytes of the file: find a row whose payload text occurs once, change one character.
        const bytes = readFileSync(file);
        const db = new Database(file, { readonly: true });
        let row: Row;
        let start: number;
        do {
          row = db.prepare('SELECT * FROM events WHERE position = ?').get(pick(1, head)) as Row;
          start = bytes.indexOf(Buffer.from(row.data, 'utf8'));
        } while (start < 0 || start !== bytes.lastIndexOf(Buffer.from(row.data, 'utf8')));
        db.close();
        const original = Buffer.from(row.data, 'utf8');
        const changed = Buffer.from(flipCharacter(row.data, random), 'utf8');
        const at = changed.findIndex((byte, index) => byte !== original[index]);
        bytes[start + at] = changed[at]!;
        writeFileSync(file, bytes);
        expectation = { what: `changed byte ${start + at} of the file, inside the data of ${row.position}`, position: row.position, kinds: ['payload-changed', 'actor-rewritten'] };
      } else {
        const db = new Database(file);
        const rowAt = (position: number): Row => db.prepare('SELECT * FROM events WHERE position = ?').get(position) as Row;
        switch (tampering) {
          case 'flip-payload': {
            const position = pick(1, head);
            const field = random() < 0.5 ? 'data' : 'metadata';
            db.prepare(`UPDATE events SET ${field} = ? WHERE position = ?`).run(flipCharacter(rowAt(position)[field], random), position);
            expectation = { what: `changed a character of the ${field} at ${position}`, position, kinds: ['payload-changed', 'actor-rewritten'] };
            break;
          }
          case 'delete': {
            const position = pick(1, head);
            db.prepare('DELETE FROM events WHERE position = ?').run(position);
            expectation =
              position === head
                ? { what: `deleted the last event, ${position}`, position, kinds: ['tail-truncated'] }
                : { what: `deleted the event at ${position}`, position, kinds: ['event-missing'] };
            break;
          }
          case 'swap-rows': {
            const first = pick(1, head - 1);
            const second = pick(first + 1, Math.min(head, first + 40));
            db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(first);
            db.prepare('UPDATE events SET position = ? WHERE position = ?').run(first, second);
            db.prepare('UPDATE events SET position = ? WHERE position = -1').run(second);
            expectation = { what: `swapped the rows at ${first} and ${second}`, position: first, kinds: ['events-swapped'], relatedPosition: second };
            break;
          }
          case 'swap-contents': {
            // Contents exchanged, each position keeping its chain hash.
            const first = pick(1, head - 1);
            const second = pick(first + 1, Math.min(head, first + 40));
            const a = rowAt(first);
            const b = rowAt(second);
            const set = db.prepare('UPDATE events SET stream_id = ?, revision = ?, event_id = ?, type = ?, data = ?, metadata = ? WHERE position = ?');
            set.run('moving', -1, 'moving', a.type, a.data, a.metadata, first);
            set.run(a.stream_id, a.revision, a.event_id, a.type, a.data, a.metadata, second);
            set.run(b.stream_id, b.revision, b.event_id, b.type, b.data, b.metadata, first);
            expectation = { what: `exchanged the contents at ${first} and ${second}`, position: first, kinds: ['events-swapped'], relatedPosition: second };
            break;
          }
          case 'truncate': {
            const keep = pick(1, head - 1);
            db.prepare('DELETE FROM events WHERE position > ?').run(keep);
            expectation = { what: `cut the store after ${keep}`, position: keep + 1, kinds: ['tail-truncated'] };
            break;
          }
          case 'rewrite-actor': {
            const position = pick(1, head);
            db.prepare(`UPDATE events SET metadata = json_set(metadata, '$.actor.id', 'someone-else') WHERE position = ?`).run(position);
            expectation = { what: `rewrote the actor at ${position}`, position, kinds: ['actor-rewritten'] };
            break;
          }
          case 'rewrite-and-rehash': {
            // A careful forger: changes a fact and recomputes every later chain hash.
            const position = pick(1, signed);
            db.prepare(`UPDATE events SET data = ? WHERE position = ?`).run(flipCharacter(rowAt(position).data, random), position);
            let previous = position === 1 ? Buffer.alloc(32) : rowAt(position - 1).chain_hash;
            const update = db.prepare('UPDATE events SET chain_hash = ? WHERE position = ?');
            for (let at = position; at <= head; at++) {
              const row = rowAt(at);
              previous = chainHashOf(previous, { position: at, streamId: row.stream_id, revision: row.revision, eventId: row.event_id, type: row.type, data: row.data, metadata: row.metadata });
              update.run(previous, at);
            }
            // When the fact changed is a signed head itself, its signature no longer holds there.
            const signedHead = rowAt(position).type === 'ChainHeadSigned';
            expectation = {
              what: `changed the data at ${position}${signedHead ? ' (a signed head)' : ''} and re-hashed the chain after it`,
              position,
              kinds: signedHead ? ['history-rewritten', 'bad-signature'] : ['history-rewritten'],
              within: true,
            };
            break;
          }
          default:
            throw new Error(`unknown tampering ${tampering}`);
        }
        db.close();
      }

      const report = await verifyLevel(dir, level);
      const context = `trial ${trial} (${level}): ${expectation.what}; verify said ${JSON.stringify(report.firstBroken)}`;
      expect({ context, ok: report.ok }).toEqual({ context, ok: false });
      const broken = report.firstBroken!;
      expect({ context, kind: expectation.kinds.includes(broken.kind) }).toEqual({ context, kind: true });
      if (expectation.within && broken.kind === 'history-rewritten') {
        // Between the last head that still holds and the first that does not.
        expect({ context, bounded: broken.position <= expectation.position && expectation.position <= broken.range![1] }).toEqual({ context, bounded: true });
      } else {
        expect({ context, position: broken.position }).toEqual({ context, position: expectation.position });
      }
      if (expectation.relatedPosition !== undefined) expect({ context, related: broken.relatedPosition }).toEqual({ context, related: expectation.relatedPosition });
      if (tampering === 'rewrite-actor') expect(broken.evidence?.differences).toContain('metadata.actor');
      tally.set(broken.kind, (tally.get(broken.kind) ?? 0) + 1);
      rmSync(dir, { recursive: true, force: true });
    }
    expect([...tally.values()].reduce((sum, count) => sum + count, 0)).toBe(110);
  }, 120_000);
});
