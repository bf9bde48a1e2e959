/**
 * The EventStore contract (DESIGN.md §3.4): one suite, run against every adapter.
 *
 * Adapter-neutral on purpose: positions are only compared for order, never for values (EventStoreDB
 * positions are log offsets, not 1, 2, 3), every test writes to streams of its own, and apart from
 * "a new store is empty" every test looks only at what it appended after its own starting head.
 */
import { randomUUID } from 'node:crypto';
import {
  WrongExpectedRevision,
  type EventSeal,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type SealedLog,
  type StoredEventText,
} from '#event-store';
import { resealed, testSeal } from '../support/seals.js';

export interface OpenedStore {
  readonly store: EventStore;
  /** Closes the store and removes whatever `open` created. */
  readonly close: () => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const event = (label: string): NewEvent => ({
  id: randomUUID(),
  type: 'ContractEventHappened',
  data: { label },
  metadata: { correlationId: `correlation-${label}` },
});

const events = (prefix: string, count: number): NewEvent[] =>
  Array.from({ length: count }, (_, index) => event(`${prefix}-${index}`));

const ids = (recorded: readonly { readonly id: string }[]): string[] => recorded.map(({ id }) => id);

const expectStrictlyIncreasing = (positions: readonly number[]): void => {
  positions.slice(1).forEach((position, index) => expect(position).toBeGreaterThan(positions[index]!));
};

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it resolved');
};

/** Declares the contract tests; `open` must give a new, empty store each time it is called. */
export const describeEventStoreContract = (name: string, open: () => Promise<OpenedStore>): void => {
  describe(`EventStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;
    /** Head when the test started: the test reads only what comes after it. */
    let baseline: number;
    let streamPrefix: string;
    const stream = (label: string): string => `${streamPrefix}-${label}`;
    const appendedSinceStart = (): Promise<RecordedEvent[]> => store.readAll({ after: baseline });

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      baseline = await store.headPosition();
      streamPrefix = `contract_${randomUUID().replaceAll('-', '')}`;
    });

    afterEach(async () => {
      await opened.close();
    });

    it('starts empty', async () => {
      expect(await store.headPosition()).toBe(0);
      expect(await store.readAll()).toEqual([]);
    });

    it('appends to a new stream expecting no-stream, at revision 0', async () => {
      const first = event('first');
      const result = await store.append(stream('a'), 'no-stream', [first]);

      expect(result.nextExpectedRevision).toBe(0);
      expect(result.position).toBeGreaterThan(baseline);
      expect(await store.readStream(stream('a'))).toEqual([
        { streamId: stream('a'), revision: 0, position: result.position, ...first },
      ]);
    });

    it('reads a stream that does not exist as empty', async () => {
      await store.append(stream('other'), 'no-stream', [event('other')]);
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    describe('refuses a wrong expected revision, reports the actual one and writes nothing', () => {
      it.each<[string, number, ExpectedRevision, ExpectedRevision]>([
        ['no-stream on an existing stream', 2, 'no-stream', 1],
        ['a revision on a missing stream', 0, 0, 'no-stream'],
        ['a stale revision', 3, 0, 2],
        ['a revision ahead of the stream', 1, 3, 0],
      ])('%s', async (_case, existing, expected, actual) => {
        if (existing > 0) await store.append(stream('a'), 'no-stream', events('existing', existing));
        const before = await appendedSinceStart();
        const headBefore = await store.headPosition();

        const error = await rejection(store.append(stream('a'), expected, [event('refused')]));

        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect(error).toMatchObject({ streamId: stream('a'), expected, actual });
        expect(await appendedSinceStart()).toEqual(before);
        expect(await store.headPosition()).toBe(headBefore);
      });
    });

    it('refuses an append without events', async () => {
      await expect(store.append(stream('a'), 'no-stream', [])).rejects.toThrow(/no events/);
      expect(await store.readStream(stream('a'))).toEqual([]);
      expect(await store.headPosition()).toBe(baseline);
    });

    describe('refuses a stream id or an event id that is not well-formed UTF-16 before writing anything', () => {
      // A lone surrogate has no UTF-8 form: stored as text it would become U+FFFD, and the stream
      // could then be found under one spelling and not under another.
      const LONE_SURROGATES = ['\ud800', '\udfff', 'a\udc00b', '\ud83d'];

      it.each(LONE_SURROGATES)('in append: %j', async (surrogate) => {
        await expect(store.append(stream(`a${surrogate}`), 'no-stream', [event('a')])).rejects.toThrow(/stream id .* not well-formed/);
        await expect(store.append(stream('b'), 'no-stream', [event('b'), { ...event('c'), id: `${randomUUID()}${surrogate}` }])).rejects.toThrow(
          /event id .* not well-formed/,
        );
        expect(await appendedSinceStart()).toEqual([]);
        expect(await store.headPosition()).toBe(baseline);
      });

      it.each(LONE_SURROGATES)('in appendMany, in any append of the list: %j', async (surrogate) => {
        const valid = { streamId: stream('a'), expected: 'no-stream' as const, events: [event('a')] };
        await expect(store.appendMany([valid, { streamId: stream(`b${surrogate}`), expected: 'no-stream', events: [event('b')] }])).rejects.toThrow(
          /stream id .* not well-formed/,
        );
        await expect(
          store.appendMany([valid, { streamId: stream('c'), expected: 'no-stream', events: [{ ...event('c'), id: `${surrogate}${randomUUID()}` }] }]),
        ).rejects.toThrow(/event id .* not well-formed/);
        expect(await appendedSinceStart()).toEqual([]);
        expect(await store.headPosition()).toBe(baseline);
        // Well-formed text beyond the BMP is no reason to refuse.
        await store.appendMany([{ ...valid, streamId: stream('a-\ud83d\ude00') }]);
        expect(ids(await store.readStream(stream('a-\ud83d\ude00')))).toEqual(ids(valid.events));
      });
    });

    it('numbers each stream densely from revision 0 and reads it in revision order', async () => {
      const batches = [events('a1', 1), events('a2', 3), events('a3', 2)];
      const results = [];
      let expected: ExpectedRevision = 'no-stream';
      for (const [index, batch] of batches.entries()) {
        const result = await store.append(stream('a'), expected, batch);
        results.push(result.nextExpectedRevision);
        expected = result.nextExpectedRevision;
        // Another stream in between must not shift this one's revisions.
        await store.append(stream('b'), index === 0 ? 'no-stream' : index - 1, [event(`b${index}`)]);
      }

      expect(results).toEqual([0, 3, 5]);
      const read = await store.readStream(stream('a'));
      expect(read.map(({ revision }) => revision)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(ids(read)).toEqual(ids(batches.flat()));
      expect((await store.readStream(stream('b'))).map(({ revision }) => revision)).toEqual([0, 1, 2]);
    });

    it('reads a stream from a revision on, and nothing past its end', async () => {
      const appended = events('f', 5);
      await store.append(stream('f'), 'no-stream', appended);
      const tail = await store.readStream(stream('f'), { fromRevision: 3 });
      expect(tail.map(({ revision }) => revision)).toEqual([3, 4]);
      expect(ids(tail)).toEqual(ids(appended.slice(3)));
      expect(await store.readStream(stream('f'), { fromRevision: 5 })).toEqual([]);
      expect(await store.readStream(stream('missing'), { fromRevision: 2 })).toEqual([]);
      expect((await store.readStream(stream('f'), { fromRevision: 0 })).length).toBe(5);
    });

    it('orders global positions strictly increasing across streams, in append order', async () => {
      const appended: NewEvent[] = [];
      const lastPositions: number[] = [];
      const revisions = new Map<string, ExpectedRevision>();
      for (const label of ['a', 'b', 'a', 'c', 'b', 'a']) {
        const batch = events(label, label === 'c' ? 2 : 1);
        const result = await store.append(stream(label), revisions.get(label) ?? 'no-stream', batch);
        revisions.set(label, result.nextExpectedRevision);
        appended.push(...batch);
        lastPositions.push(result.position);
      }

      const all = await appendedSinceStart();
      expect(ids(all)).toEqual(ids(appended));
      expectStrictlyIncreasing([baseline, ...all.map(({ position }) => position)]);
      expectStrictlyIncreasing(lastPositions);
      // Each append reports the position of its last event.
      const positionOf = new Map(all.map(({ id, position }) => [id, position]));
      expect(lastPositions.at(-1)).toBe(positionOf.get(appended.at(-1)!.id));
      expect(lastPositions[3]).toBe(positionOf.get(appended[4]!.id));
    });

    it('pages readAll with an exclusive after and a limit', async () => {
      await store.append(stream('a'), 'no-stream', events('a', 4));
      await store.append(stream('b'), 'no-stream', events('b', 3));
      const all = await appendedSinceStart();
      expect(all).toHaveLength(7);

      const pages: RecordedEvent[][] = [];
      let after = baseline;
      for (;;) {
        const page = await store.readAll({ after, limit: 3 });
        if (page.length === 0) break;
        pages.push(page);
        after = page.at(-1)!.position;
      }
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(all);

      expect(await store.readAll({ after: all[2]!.position })).toEqual(all.slice(3));
      expect(await store.readAll({ after: all[2]!.position, limit: 2 })).toEqual(all.slice(3, 5));
      expect(await store.readAll({ after: all.at(-1)!.position })).toEqual([]);
      expect((await store.readAll()).slice(-7)).toEqual(all);
    });

    it('reports the head position as the position of the last event stored', async () => {
      await store.append(stream('a'), 'no-stream', events('a', 2));
      const last = await store.append(stream('b'), 'no-stream', events('b', 2));

      expect(await store.headPosition()).toBe(last.position);
      expect((await appendedSinceStart()).at(-1)!.position).toBe(last.position);
    });

    it('writes the events of one append contiguously, even among concurrent appends', async () => {
      const batch = events('batch', 5);
      const singles = events('single', 10);
      let expected: ExpectedRevision = 'no-stream';
      const appendSinglesInTurn = async (): Promise<void> => {
        for (const single of singles) {
          expected = (await store.append(stream('singles'), expected, [single])).nextExpectedRevision;
        }
      };
      await Promise.all([appendSinglesInTurn(), store.append(stream('batch'), 'no-stream', batch)]);

      const all = ids(await appendedSinceStart());
      const start = all.indexOf(batch[0]!.id);
      expect(start).toBeGreaterThanOrEqual(0);
      expect(all.slice(start, start + batch.length)).toEqual(ids(batch));
      expect((await store.readStream(stream('batch'))).map(({ revision }) => revision)).toEqual([0, 1, 2, 3, 4]);
    });

    it('lets exactly one of 20 racing appends expecting the same revision win', async () => {
      await store.append(stream('a'), 'no-stream', [event('first')]);
      const contenders = events('contender', 20);

      const outcomes = await Promise.allSettled(contenders.map((contender) => store.append(stream('a'), 0, [contender])));

      const winners = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [contenders[index]!] : []));
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(WrongExpectedRevision);
          expect(outcome.reason).toMatchObject({ expected: 0, actual: 1 });
        }
      }
      const read = await store.readStream(stream('a'));
      expect(read.map(({ revision }) => revision)).toEqual([0, 1]);
      expect(read[1]!.id).toBe(winners[0]!.id);
    });

    it('serializes 20 contending writers that retry on conflict: no gaps, no revision written twice', async () => {
      const writers = 20;
      const perWriter = 3;
      const conflicts: WrongExpectedRevision[] = [];
      const write = async (writer: number): Promise<string[]> => {
        const written: string[] = [];
        let expected: ExpectedRevision = 'no-stream';
        while (written.length < perWriter) {
          const next = event(`writer${writer}-${written.length}`);
          try {
            expected = (await store.append(stream('contended'), expected, [next])).nextExpectedRevision;
            written.push(next.id);
          } catch (error) {
            if (!(error instanceof WrongExpectedRevision)) throw error;
            conflicts.push(error);
            expected = error.actual;
          }
          // Let the other writers in between attempts.
          await sleep(0);
        }
        return written;
      };

      const byWriter = await Promise.all(Array.from({ length: writers }, (_, writer) => write(writer)));

      expect(conflicts.length).toBeGreaterThan(0);
      const read = await store.readStream(stream('contended'));
      expect(read.map(({ revision }) => revision)).toEqual(Array.from({ length: writers * perWriter }, (_, revision) => revision));
      expect(new Set(ids(read)).size).toBe(writers * perWriter);
      const order = ids(read);
      for (const written of byWriter) {
        const indexes = written.map((id) => order.indexOf(id));
        expect(indexes.every((index) => index >= 0)).toBe(true);
        expectStrictlyIncreasing(indexes);
      }
    });

    it('round-trips event ids, types, data and metadata exactly, as JSON', async () => {
      const original = {
        id: `evt-${randomUUID()}`,
        type: 'IssueFound.v2',
        data: {
          text: '巡察组发现 "粮库" 问题\n第二行\t\\ 😀',
          count: 42,
          ratio: 0.125,
          big: Number.MAX_SAFE_INTEGER,
          negative: -7,
          flag: false,
          nothing: null,
          empty: {},
          list: [1, 'two', { three: [3] }, []],
          occurredAt: new Date('2025-03-01T08:00:00.000Z'),
        },
        metadata: {
          actor: { id: 'inspector@350624', role: 'inspector', jurisdiction: '350624' },
          correlationId: randomUUID(),
          causationId: null,
          recordedAt: '2025-03-01T08:00:00.123Z',
        },
      };
      await store.append(stream('a'), 'no-stream', [original]);
      // The store keeps what was appended, not a live reference to the caller's objects.
      original.data.list.push('added after the append');
      original.metadata.actor.role = 'changed after the append';

      const expected = {
        id: original.id,
        type: 'IssueFound.v2',
        data: { ...original.data, list: [1, 'two', { three: [3] }, []], occurredAt: '2025-03-01T08:00:00.000Z' },
        metadata: { ...original.metadata, actor: { id: 'inspector@350624', role: 'inspector', jurisdiction: '350624' } },
      };
      const [fromStream] = await store.readStream(stream('a'));
      const [fromAll] = await appendedSinceStart();
      expect(fromStream).toStrictEqual({ streamId: stream('a'), revision: 0, position: fromStream!.position, ...expected });
      expect(fromAll).toStrictEqual(fromStream);
    });

    describe('appendMany', () => {
      it('makes the appends in the order given: revisions per stream, positions increasing along the list', async () => {
        const appends = [
          { streamId: stream('a'), expected: 'no-stream' as const, events: events('a1', 2) },
          { streamId: stream('b'), expected: 'no-stream' as const, events: events('b1', 1) },
          // A later append may expect what an earlier one of the same call wrote.
          { streamId: stream('a'), expected: 1, events: events('a2', 3) },
        ];

        const results = await store.appendMany(appends);

        expect(results.map(({ nextExpectedRevision }) => nextExpectedRevision)).toEqual([1, 0, 4]);
        expectStrictlyIncreasing([baseline, ...results.map(({ position }) => position)]);
        const all = await appendedSinceStart();
        expect(ids(all)).toEqual(ids(appends.flatMap(({ events: appended }) => appended)));
        expectStrictlyIncreasing([baseline, ...all.map(({ position }) => position)]);
        // Each result is the position of its append's last event.
        const positionOf = new Map(all.map(({ id, position }) => [id, position]));
        expect(results.map(({ position }) => position)).toEqual(appends.map(({ events: appended }) => positionOf.get(appended.at(-1)!.id)));
        expect((await store.readStream(stream('a'))).map(({ revision }) => revision)).toEqual([0, 1, 2, 3, 4]);
        expect(ids(await store.readStream(stream('b')))).toEqual(ids(appends[1]!.events));
        expect(await store.headPosition()).toBe(results.at(-1)!.position);
      });

      it('refuses a wrong expected revision with WrongExpectedRevision, writing nothing from the refused append on', async () => {
        await store.append(stream('a'), 'no-stream', events('existing', 2));
        const before = await store.readStream(stream('a'));

        const error = await rejection(
          store.appendMany([
            { streamId: stream('fresh'), expected: 'no-stream', events: [event('fresh')] },
            { streamId: stream('a'), expected: 0, events: [event('refused')] },
            { streamId: stream('after'), expected: 'no-stream', events: [event('after')] },
          ]),
        );

        expect(error).toBeInstanceOf(WrongExpectedRevision);
        expect(error).toMatchObject({ streamId: stream('a'), expected: 0, actual: 1 });
        expect(await store.readStream(stream('a'))).toEqual(before);
        expect(await store.readStream(stream('after'))).toEqual([]);
      });

      it('writes nothing when the first append is refused', async () => {
        const headBefore = await store.headPosition();

        const error = await rejection(
          store.appendMany([
            { streamId: stream('missing'), expected: 3, events: [event('refused')] },
            { streamId: stream('b'), expected: 'no-stream', events: [event('b')] },
          ]),
        );

        expect(error).toMatchObject({ name: 'WrongExpectedRevision', streamId: stream('missing'), expected: 3, actual: 'no-stream' });
        expect(await appendedSinceStart()).toEqual([]);
        expect(await store.headPosition()).toBe(headBefore);
      });

      it('refuses malformed input before writing anything', async () => {
        await expect(
          store.appendMany([
            { streamId: stream('a'), expected: 'no-stream', events: [event('a')] },
            { streamId: stream('b'), expected: 'no-stream', events: [] },
          ]),
        ).rejects.toThrow(/no events/);
        expect(await appendedSinceStart()).toEqual([]);
      });

      it('takes an empty list as nothing to do', async () => {
        expect(await store.appendMany([])).toEqual([]);
        expect(await store.headPosition()).toBe(baseline);
      });
    });
  });
};

/**
 * For adapters that state `appendMany` is all or nothing (sqlite and memory; see the port): a
 * refused append anywhere in the list leaves the store as it was. `open` as for the main contract.
 */
export const describeAllOrNothingAppendMany = (name: string, open: () => Promise<OpenedStore>): void => {
  describe(`EventStore appendMany, all or nothing: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.close();
    });

    const stream = (label: string): string => `all-or-nothing-${label}`;

    it('writes none of the appends when a later one expects a wrong revision', async () => {
      await store.append(stream('a'), 'no-stream', events('existing', 2));
      const headBefore = await store.headPosition();
      const allBefore = await store.readAll();

      const error = await rejection(
        store.appendMany([
          { streamId: stream('fresh'), expected: 'no-stream', events: events('fresh', 2) },
          { streamId: stream('a'), expected: 1, events: [event('accepted-alone')] },
          { streamId: stream('a'), expected: 1, events: [event('refused')] },
        ]),
      );

      expect(error).toBeInstanceOf(WrongExpectedRevision);
      expect(error).toMatchObject({ streamId: stream('a'), expected: 1, actual: 2 });
      expect(await store.readAll()).toEqual(allBefore);
      expect(await store.headPosition()).toBe(headBefore);
      expect(await store.readStream(stream('fresh'))).toEqual([]);
    });

    it('writes none of the appends when a later one repeats an event id, stored or earlier in the call', async () => {
      const stored = event('stored');
      await store.append(stream('a'), 'no-stream', [stored]);
      const earlier = event('earlier-in-the-call');

      for (const repeated of [stored, earlier]) {
        const error = await rejection(
          store.appendMany([
            { streamId: stream('b'), expected: 'no-stream', events: [earlier] },
            { streamId: stream('c'), expected: 'no-stream', events: [event('c'), { ...repeated, type: 'Repeated' }] },
          ]),
        );
        expect(error).toMatchObject({ name: 'DuplicateEventId', eventId: repeated.id });
        expect(ids(await store.readAll())).toEqual([stored.id]);
      }
    });

    it('writes nothing when the list itself is refused, then takes it whole once it is right', async () => {
      const appends = [
        { streamId: stream('x'), expected: 'no-stream' as const, events: events('x', 2) },
        { streamId: stream('y'), expected: 'no-stream' as const, events: events('y', 1) },
      ];
      await store.append(stream('y'), 'no-stream', [event('y-first')]);
      await expect(store.appendMany(appends)).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect(await store.readStream(stream('x'))).toEqual([]);

      const results = await store.appendMany([appends[0]!, { ...appends[1]!, expected: 0 }]);
      expect(results.map(({ nextExpectedRevision }) => nextExpectedRevision)).toEqual([1, 1]);
      expect(ids(await store.readStream(stream('x')))).toEqual(ids(appends[0]!.events));
    });
  });
};

/**
 * For adapters that seal (see EventSeal in the port: sqlite, memory, esdb): `open` gives a new, empty
 * store opened with `seal`. Seals are over places (1, 2, 3 … in the store's order), which are the
 * positions in sqlite and memory and the adapter's own numbering in esdb. `atomicAppendMany`: whether
 * a refused appendMany leaves nothing of itself (sqlite, memory) or keeps the appends before the
 * refused one (esdb, see the port).
 */
export const describeSealingContract = (
  name: string,
  open: (seal: EventSeal) => Promise<OpenedStore>,
  { atomicAppendMany = true }: { readonly atomicAppendMany?: boolean } = {},
): void => {
  describe(`EventStore sealing: ${name}`, () => {
    let opened: OpenedStore | undefined;
    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    const openWith = async (seal: EventSeal): Promise<{ store: EventStore; sealed: SealedLog }> => {
      opened = await open(seal);
      const sealed = opened.store.capabilities.sealed;
      if (!sealed) throw new Error(`${name} opened with a seal has no sealed capability`);
      return { store: opened.store, sealed };
    };

    /** Records every call of testSeal. */
    const recordingSeal = () => {
      const calls: { previous: Uint8Array | undefined; event: StoredEventText }[] = [];
      const seal: EventSeal = (previous, event) => {
        calls.push({ previous: previous && Uint8Array.from(previous), event: { ...event } });
        return testSeal(previous, event);
      };
      return { calls, seal };
    };

    const bytes = (seals: readonly Uint8Array[]): number[][] => seals.map((seal) => [...seal]);

    it('says what it seals with, and has no seal while empty', async () => {
      const { sealed } = await openWith(testSeal);
      expect(sealed.sealedWith).toBe(testSeal);
      expect(await sealed.last()).toBeUndefined();
      expect(await sealed.read(0, 10)).toEqual([]);
    });

    it('seals each event as stored, from the seal of the one before, across appends and appendMany', async () => {
      const { calls, seal } = recordingSeal();
      const { store, sealed } = await openWith(seal);
      const first = events('a', 2);
      await store.append('a', 'no-stream', first);
      await store.appendMany([
        { streamId: 'b', expected: 'no-stream', events: events('b', 1) },
        { streamId: 'a', expected: 1, events: events('a-more', 2) },
      ]);

      const stored = await sealed.read(0, 100);
      const all = await store.readAll();
      expect(stored.map(({ position }) => position)).toEqual([1, 2, 3, 4, 5]);
      expect(stored.map(({ streamId, revision, eventId, type }) => ({ streamId, revision, id: eventId, type }))).toEqual(
        all.map(({ streamId, revision, id, type }) => ({ streamId, revision, id, type })),
      );
      expect(await Promise.all(all.map(({ position }) => sealed.placeOf(position)))).toEqual([1, 2, 3, 4, 5]);
      expect(await sealed.placeOf(all.at(-1)!.position + 1)).toBeUndefined();
      // The texts as stored, which is what the seal was given.
      expect(stored.map(({ data, metadata }) => [JSON.parse(data), JSON.parse(metadata)])).toEqual(all.map(({ data, metadata }) => [data, metadata]));
      expect(calls.map(({ event }) => event)).toEqual(stored.map(({ seal: _seal, ...text }) => text));
      expect(calls[0]!.previous).toBeUndefined();
      expect(bytes(stored.map(({ seal: kept }) => kept))).toEqual(bytes(resealed(stored)));
      expect(bytes(calls.slice(1).map(({ previous }) => previous!))).toEqual(bytes(stored.slice(0, -1).map(({ seal: kept }) => kept)));
      const last = await sealed.last();
      expect(last?.position).toBe(5);
      expect([...last!.seal]).toEqual([...stored.at(-1)!.seal]);
      expect((await sealed.read(2, 2)).map(({ position }) => position)).toEqual([3, 4]);
    });

    it('keeps no seal of a refused append: the next one goes on from the last event stored', async () => {
      const { store, sealed } = await openWith(testSeal);
      await store.append('a', 'no-stream', events('a', 2));
      const before = await sealed.read(0, 100);

      await expect(
        store.appendMany([
          { streamId: 'b', expected: 'no-stream', events: events('b', 2) },
          { streamId: 'a', expected: 0, events: events('refused', 1) },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedRevision);
      const kept = atomicAppendMany ? 0 : 2;
      expect((await sealed.read(0, 100)).slice(0, 2)).toEqual(before);
      expect(await sealed.read(0, 100)).toHaveLength(2 + kept);

      await store.append('c', 'no-stream', events('c', 1));
      const after = await sealed.read(0, 100);
      expect(after.slice(0, 2)).toEqual(before);
      expect(after.map(({ position, streamId }) => [position, streamId])).toEqual([
        [1, 'a'],
        [2, 'a'],
        ...(atomicAppendMany ? [] : [[3, 'b'], [4, 'b']]),
        [3 + kept, 'c'],
      ]);
      expect(bytes(after.map(({ seal }) => seal))).toEqual(bytes(resealed(after)));
    });

    it('refuses the whole append when the seal throws, and appends again once it does not', async () => {
      let refuse = true;
      const { store, sealed } = await openWith((previous, event) => {
        if (refuse && event.type === 'Unsealable') throw new Error('cannot seal this');
        return testSeal(previous, event);
      });
      await store.append('a', 'no-stream', events('a', 1));
      const unsealable = { ...event('unsealable'), type: 'Unsealable' };

      await expect(store.append('b', 'no-stream', [event('b'), unsealable])).rejects.toThrow('cannot seal this');
      await expect(
        store.appendMany([
          { streamId: 'b', expected: 'no-stream', events: [event('b')] },
          { streamId: 'c', expected: 'no-stream', events: [unsealable] },
        ]),
      ).rejects.toThrow('cannot seal this');
      expect((await store.readAll()).map(({ id }) => id)).toHaveLength(1);
      expect(await sealed.read(0, 100)).toHaveLength(1);

      refuse = false;
      await store.append('b', 'no-stream', [event('b'), unsealable]);
      const stored = await sealed.read(0, 100);
      expect(stored.map(({ type }) => type)).toEqual(['ContractEventHappened', 'ContractEventHappened', 'Unsealable']);
      expect(bytes(stored.map(({ seal }) => seal))).toEqual(bytes(resealed(stored)));
    });
  });
};
