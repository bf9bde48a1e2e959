// Idempotency records on a real SQLite file beside a real SQLite store: kept across a restart, and
// a crash between an append and its record writes nothing twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, Command } from '#domain';
import { IdempotencyKeyReused, IdempotentCommands, LevelService, SettableClock, SqliteIdempotencyRecords, loadReferenceRegistry, openChainedSqliteStore, requestFingerprint } from '#linkage';

const CITY: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const register = (name = '漳州市粮食和物资储备局'): Command => ({ type: 'registerUnit', data: { unitId: 'zz-grain', name, jurisdiction: '350600' } });

describe('idempotent commands on SQLite files', () => {
  let folder: string;
  const open = () => {
    const store = openChainedSqliteStore(join(folder, 'city.events.db'));
    const service = new LevelService('city', store, loadReferenceRegistry(), new SettableClock('2024-05-01T00:00:00.000Z'));
    const records = new SqliteIdempotencyRecords(join(folder, 'city.idempotency.db'));
    let now = Date.parse('2024-05-01T00:00:00.000Z');
    const commands = new IdempotentCommands(service, records, 24 * 3600_000, () => now);
    return {
      store,
      service,
      records,
      commands,
      advance: (millis: number) => (now += millis),
      close: async () => {
        records.close();
        await store.close();
      },
    };
  };

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'idempotency-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('answers a retry after a restart from the kept outcome and writes nothing', async () => {
    const first = open();
    const answer = await first.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-1' });
    expect(answer.replayed).toBe(false);
    await first.close();

    const second = open();
    const retry = await second.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-1' });
    expect(retry).toEqual({ kept: answer.kept, replayed: true });
    expect(await second.store.headPosition()).toBe(1);
    await expect(second.commands.execute({ command: register('另一个名称'), actor: CITY, idempotencyKey: 'k-1' })).rejects.toBeInstanceOf(IdempotencyKeyReused);
    await second.close();
  });

  it('finds what an attempt wrote before the process stopped short of keeping its outcome', async () => {
    const crashed = open();
    // The first attempt: its record begun, its facts appended (with the key as causation), and then
    // the process stopped before the outcome was kept.
    crashed.records.begin(`350600\u0000leading-group\u0000zz-office\u0000k-2`, requestFingerprint(register(), undefined), Date.parse('2024-05-01T00:00:00.000Z'));
    const written = await crashed.service.execute({ command: register(), actor: CITY, commandId: 'k-2' });
    await crashed.close();

    const restarted = open();
    const retry = await restarted.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-2' });
    expect(retry).toEqual({ kept: { kind: 'recorded', outcome: written }, replayed: true });
    expect(await restarted.store.headPosition()).toBe(1);
    await restarted.close();
  });

  it('decides again when a pending attempt wrote nothing', async () => {
    const crashed = open();
    crashed.records.begin(`350600\u0000leading-group\u0000zz-office\u0000k-3`, requestFingerprint(register(), undefined), Date.parse('2024-05-01T00:00:00.000Z'));
    await crashed.close();

    const restarted = open();
    const retry = await restarted.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-3' });
    expect(retry.replayed).toBe(false);
    expect(retry.kept).toMatchObject({ kind: 'recorded', outcome: { events: [{ type: 'UnitRegistered' }] } });
    expect(await restarted.store.headPosition()).toBe(1);
    await restarted.close();
  });

  it('keeps an outcome for its retention and no longer', async () => {
    const level = open();
    await level.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-4' });
    level.advance(23 * 3600_000);
    expect((await level.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-4' })).replayed).toBe(true);
    level.advance(2 * 3600_000);
    // Past the retention the key is new again: the command is decided (and refused: the unit exists).
    const late = await level.commands.execute({ command: register(), actor: CITY, idempotencyKey: 'k-4' });
    expect(late).toMatchObject({ replayed: false, kept: { kind: 'refused', refusal: 'AlreadyRegistered' } });
    await level.close();
  });
});
