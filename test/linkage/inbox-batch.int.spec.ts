// The province inbox recording a run of messages at once (Inbox.receiveMany) in its SQLite store on
// disk: one appendMany per batch, dedupe by source event id against the store and within the batch,
// and a fresh decision when another writer got to one of the batch's streams first.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent, IntegrationEvent, JurisdictionLookup, Level } from '#domain';
import { INTEGRATION_SCHEMA, streamOf } from '#domain';
import type { StreamAppend } from '#event-store';
import type { SqliteEventStore } from '#event-store/adapters';
import { WrongExpectedRevision } from '#event-store';
import { Inbox, JurisdictionRegistrar, metadataOf, openChainedSqliteStore } from '#linkage';
import { operationsLog } from '#observability';
import { GIVEN_AT } from '../support/given-when-then.js';
import { ZHANGZHOU, ZHAOAN, ZHAOAN_DEPOT, roundClosed, roundLaunched, roundPlanned, unitRegistered } from '../support/facts.js';

const folder = mkdtempSync(join(tmpdir(), 'inbox-batch-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const revisions = new Map<string, number>();
let position = 0;

/** A fact as a level's relay publishes it: by default the county's, addressed to the city and the province. */
const published = (event: DomainEvent, { level = 'county', audience = ['city', 'province'] }: { level?: Level; audience?: Level[] } = {}): IntegrationEvent => {
  const streamId = streamOf(event);
  const revision = (revisions.get(streamId) ?? -1) + 1;
  revisions.set(streamId, revision);
  return {
    schema: INTEGRATION_SCHEMA,
    type: event.type,
    data: event.data,
    metadata: {
      eventId: randomUUID(),
      actor: { id: 'za-office', jurisdiction: ZHAOAN, role: 'leading-group' },
      jurisdiction: ZHAOAN,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: GIVEN_AT,
      recordedAt: GIVEN_AT,
    },
    source: { level, streamId, revision, position: ++position },
    audience,
  };
};

const planned = published(roundPlanned('za-r1', ZHAOAN, [ZHAOAN_DEPOT]));
const launched = published(roundLaunched('za-r1', ZHAOAN));
const closed = published(roundClosed('za-r1', ZHAOAN));
const depot = published(unitRegistered(ZHAOAN_DEPOT));
const newCounty = published({ type: 'JurisdictionRegistered', data: { code: '350699', name: '新区', level: 'county', parent: ZHANGZHOU } });

interface Province {
  readonly store: SqliteEventStore;
  /** What the province's registrar has learnt from its store. */
  readonly jurisdictions: JurisdictionLookup;
  readonly inbox: Inbox;
  /** Every appendMany the store was asked for, in order, whether it went through or not. */
  readonly appendManyCalls: StreamAppend[][];
  /** Runs (once) just before the next appendMany reaches the store. */
  beforeNextAppendMany(interlude: () => Promise<void>): void;
}

const stores: SqliteEventStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const openProvince = (file = join(folder, `${randomUUID()}.db`)): Province => {
  const store = openChainedSqliteStore(file);
  stores.push(store);
  const registrar = JurisdictionRegistrar.fromReference();
  const appendManyCalls: StreamAppend[][] = [];
  let interlude: (() => Promise<void>) | undefined;
  const appendMany = store.appendMany.bind(store);
  store.appendMany = async (appends) => {
    appendManyCalls.push([...appends]);
    const before = interlude;
    interlude = undefined;
    await before?.();
    return appendMany(appends);
  };
  return { store, jurisdictions: registrar.directory, inbox: new Inbox({ level: 'province', store: registrar.watch(store) }), appendManyCalls, beforeNextAppendMany: (next) => (interlude = next) };
};

/** The source event ids a stream of the province store holds, in revision order. */
const originsIn = async (store: SqliteEventStore, streamId: string): Promise<string[]> =>
  (await store.readStream(streamId)).map((recorded) => metadataOf(recorded).origin!.eventId);

const idsOf = (...facts: IntegrationEvent[]): string[] => facts.map((fact) => fact.metadata.eventId);

describe('Inbox.receiveMany', () => {
  it('given facts of several streams, when received as one batch, then they are recorded by one appendMany, each stream in batch order', async () => {
    const { store, jurisdictions, inbox, appendManyCalls } = openProvince();
    expect(jurisdictions.get('350699')).toBeUndefined();

    const receipts = await inbox.receiveMany([planned, depot, launched, newCounty, closed]);

    expect(receipts).toEqual(['recorded', 'recorded', 'recorded', 'recorded', 'recorded']);
    expect(appendManyCalls).toHaveLength(1);
    expect(await originsIn(store, planned.source.streamId)).toEqual(idsOf(planned, launched, closed));
    expect(await originsIn(store, depot.source.streamId)).toEqual(idsOf(depot));
    expect(await originsIn(store, newCounty.source.streamId)).toEqual(idsOf(newCounty));
    const recorded = await store.readAll();
    expect(recorded).toHaveLength(5);
    expect(metadataOf(recorded[0]!).origin).toEqual({
      level: 'county',
      eventId: planned.metadata.eventId,
      streamId: planned.source.streamId,
      revision: planned.source.revision,
      position: planned.source.position,
      schema: INTEGRATION_SCHEMA,
    });
    // The province learns the new county as it would from a single delivery.
    expect(jurisdictions.get('350699')).toMatchObject({ code: '350699', parent: ZHANGZHOU });
    expect(inbox.stats).toMatchObject({ recorded: 5, duplicates: 0 });
  });

  it('given a fact already recorded, when a batch repeats it and repeats others within itself, then each source fact is recorded once', async () => {
    const { store, inbox } = openProvince();
    await inbox.receive(planned);

    const receipts = await inbox.receiveMany([planned, launched, launched, depot, planned, depot]);

    expect(receipts).toEqual(['duplicate', 'recorded', 'duplicate', 'recorded', 'duplicate', 'duplicate']);
    expect(await originsIn(store, planned.source.streamId)).toEqual(idsOf(planned, launched));
    expect(await originsIn(store, depot.source.streamId)).toEqual(idsOf(depot));
    expect(inbox.stats).toMatchObject({ recorded: 3, duplicates: 4 });
  });

  it('given facts not addressed to the province, when in a batch, then they are skipped and the rest recorded', async () => {
    const { store, inbox } = openProvince();
    const forTheCityOnly = published(roundPlanned('za-r2', ZHAOAN, [ZHAOAN_DEPOT]), { audience: ['city'] });
    const fromTheProvinceItself = published(roundPlanned('p-r1', '350000', []), { level: 'province', audience: ['province', 'city'] });

    const receipts = await inbox.receiveMany([forTheCityOnly, planned, fromTheProvinceItself]);

    expect(receipts).toEqual(['not-addressed-here', 'recorded', 'not-addressed-here']);
    expect((await store.readAll()).map((recorded) => metadataOf(recorded).origin!.eventId)).toEqual(idsOf(planned));
    expect(inbox.stats).toMatchObject({ recorded: 1, duplicates: 0 });
    expect(await inbox.receiveMany([forTheCityOnly, fromTheProvinceItself])).toEqual(['not-addressed-here', 'not-addressed-here']);
  });

  it('given another consumer records one of its facts first, when the batch is appended, then the batch is decided again and that fact counts as a duplicate', async () => {
    const file = join(folder, `${randomUUID()}.db`);
    const province = openProvince(file);
    // Another member of the inbox group, on its own connection to the same file (a rebalance
    // redelivered the fact to it).
    const rival = openProvince(file);
    province.beforeNextAppendMany(async () => void (await rival.inbox.receive(depot)));

    const receipts = await province.inbox.receiveMany([planned, depot, launched]);

    expect(receipts).toEqual(['recorded', 'duplicate', 'recorded']);
    expect(province.appendManyCalls).toHaveLength(2);
    // The refused attempt wrote nothing; the second left the rival's record alone.
    expect(await originsIn(province.store, depot.source.streamId)).toEqual(idsOf(depot));
    expect(await originsIn(province.store, planned.source.streamId)).toEqual(idsOf(planned, launched));
    expect((await province.store.readStream(planned.source.streamId)).map((recorded) => recorded.revision)).toEqual([0, 1]);
    expect(province.inbox.stats).toMatchObject({ recorded: 2, duplicates: 1 });
  });

  it('given a store that kept the appends before a refused one (as EventStoreDB does), when the batch is retried, then those count as recorded by this batch', async () => {
    const file = join(folder, `${randomUUID()}.db`);
    const province = openProvince(file);
    const rival = openProvince(file);
    const keptBeforeRefusal = async (appends: readonly StreamAppend[]): Promise<never> => {
      // The first append goes through on its own, then another writer takes the second's stream.
      await province.store.append(appends[0]!.streamId, appends[0]!.expected, appends[0]!.events);
      await rival.inbox.receive(depot);
      throw new WrongExpectedRevision(appends[1]!.streamId, appends[1]!.expected, 0);
    };
    const appendMany = province.store.appendMany;
    province.store.appendMany = async (appends) => {
      province.store.appendMany = appendMany;
      return keptBeforeRefusal(appends);
    };

    const receipts = await province.inbox.receiveMany([planned, launched, depot]);

    expect(receipts).toEqual(['recorded', 'recorded', 'duplicate']);
    expect(await originsIn(province.store, planned.source.streamId)).toEqual(idsOf(planned, launched));
    expect(await originsIn(province.store, depot.source.streamId)).toEqual(idsOf(depot));
    expect(province.inbox.stats).toMatchObject({ recorded: 2, duplicates: 1 });
  });

  it('given a batch whose streams keep changing, when every attempt is refused, then it fails for the bus to redeliver, recording nothing', async () => {
    const { store, inbox } = openProvince();
    store.appendMany = async (appends) => {
      throw new WrongExpectedRevision(appends[0]!.streamId, appends[0]!.expected, 7);
    };

    await expect(inbox.receiveMany([planned, depot])).rejects.toThrow(/kept changing; the bus will redeliver these 2 facts/);
    expect(await store.readAll()).toEqual([]);
    expect(inbox.stats).toMatchObject({ recorded: 0, duplicates: 0 });
  });
});

describe('Inbox delivery gaps', () => {
  it('given the bus reports messages it no longer had, then the status counts them and shows the latest, and nothing is recorded', async () => {
    const { store, inbox } = openProvince();
    const errors: string[] = [];
    const log = operationsLog();
    const originalError = log.error;
    log.error = ((fields: { event?: string }, message: string) => void errors.push(`${fields.event}: ${message}`)) as typeof log.error;
    try {
      inbox.noteGap({ topic: 'linkage.county.v1', partition: 2, fromOffset: '100', toOffset: '150', missing: 50 });
    } finally {
      log.error = originalError;
    }
    expect(inbox.stats).toMatchObject({ recorded: 0, duplicates: 0, gaps: 1, recentGaps: [{ topic: 'linkage.county.v1', partition: 2, fromOffset: '100', toOffset: '150', missing: 50 }] });
    expect(errors).toEqual([expect.stringMatching(/^delivery-gap: .*50 message\(s\) of linkage.county.v1 partition 2 \(offsets 100 to 149\)/)]);
    expect(await store.headPosition()).toBe(0);
  });
});

describe('Inbox after a lost connection', () => {
  it('given an appendMany that wrote part of a batch and then failed, when the bus hands the facts over again one by one, then a new jurisdiction written before the failure is learnt', async () => {
    const { store, jurisdictions, inbox } = openProvince();
    const appendMany = store.appendMany;
    store.appendMany = async (appends) => {
      store.appendMany = appendMany;
      // As an esdb appendMany does when the connection drops after the first stream's append.
      await store.append(appends[0]!.streamId, appends[0]!.expected, appends[0]!.events);
      throw new Error('connection lost');
    };
    await expect(inbox.receiveMany([newCounty, depot])).rejects.toThrow('connection lost');
    expect(jurisdictions.get('350699')).toBeUndefined();

    // The bus's fallback after a failed run: the same messages, one at a time.
    expect(await inbox.receive(newCounty)).toBe('duplicate');
    expect(await inbox.receive(depot)).toBe('recorded');

    expect(jurisdictions.get('350699')).toMatchObject({ code: '350699', parent: ZHANGZHOU });
    expect(await originsIn(store, newCounty.source.streamId)).toEqual(idsOf(newCounty));
  });
});
