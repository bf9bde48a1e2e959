/**
 * What EsdbFakeServer models, stated as behaviours of the real `@eventstore/db-client` talking to it
 * over a real TCP connection. Each expectation here is what an EventStoreDB 24.x node answers.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  binaryEvent,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { EsdbFakeServer } from './esdb-fake-server.js';

const collect = async <T>(read: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of read) items.push(item);
  return items;
};

const streamsOf = (events: readonly (ResolvedEvent | AllStreamResolvedEvent)[]): string[] =>
  events.map((resolved) => `${resolved.event?.streamId}@${resolved.event?.revision}`);

/** Records what a subscription emits, in order, and resolves when `count` events have arrived. */
const record = (subscription: AllStreamSubscription) => {
  const seen: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  subscription.on('caughtUp', () => seen.push('caughtUp'));
  subscription.on('data', (resolved: AllStreamResolvedEvent) => {
    seen.push(`${resolved.event?.streamId}@${resolved.event?.revision}`);
    const events = seen.filter((entry) => entry !== 'caughtUp').length;
    for (const waiter of waiters.filter((candidate) => candidate.count <= events)) waiter.resolve();
  });
  const events = (count: number): Promise<void> =>
    new Promise((resolve) => {
      waiters.push({ count, resolve });
      if (seen.filter((entry) => entry !== 'caughtUp').length >= count) resolve();
    });
  return { seen, events };
};

describe('EsdbFakeServer (driven by the real EventStoreDBClient)', () => {
  let fake: EsdbFakeServer;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    fake = await EsdbFakeServer.start();
    client = EventStoreDBClient.connectionString(fake.connectionString);
  });

  afterAll(async () => {
    await client.dispose();
    await fake.stop();
  });

  // The fake implements Streams.BatchAppend and not Streams.Append, so every successful append in
  // this file also shows that client 6.2.1 picked BatchAppend from the fake's ServerFeatures answer.
  it('appends as one transaction: commit position of the last event, prepare position of the first', async () => {
    const stream = `order-${randomUUID()}`;
    const appended = await client.appendToStream(
      stream,
      [jsonEvent({ type: 'Placed', data: { n: 1 } }), jsonEvent({ type: 'Paid', data: { n: 2 } })],
      { expectedRevision: NO_STREAM },
    );

    const read = await collect(client.readStream(stream));
    const [first, second] = read.map((resolved) => resolved.event?.position);
    expect(appended).toMatchObject({ success: true, nextExpectedRevision: 1n });
    expect(appended.position).toEqual({ commit: second?.commit, prepare: first?.commit });
    // Each event's own position has commit = prepare (no explicit transactions); stream reads
    // carry it too, as servers since 22.6 do.
    expect(first?.commit).toBe(first?.prepare);
    expect(second?.commit).toBeGreaterThan(first?.commit ?? Infinity);
  });

  it('round-trips ids, types, content types, JSON data and metadata, binary data', async () => {
    const stream = `doc-${randomUUID()}`;
    const jsonId = randomUUID();
    const binaryId = randomUUID();
    await client.appendToStream(stream, [
      jsonEvent({ id: jsonId, type: 'Drafted', data: { title: '巡视', tags: ['a'] }, metadata: { actor: 'u1', n: null } }),
      binaryEvent({ id: binaryId, type: 'Scanned', data: Uint8Array.from([0, 255, 7]) }),
    ]);

    const [json, binary] = (await collect(client.readStream(stream))).map((resolved) => resolved.event);
    expect(json).toMatchObject({
      id: jsonId,
      type: 'Drafted',
      isJson: true,
      data: { title: '巡视', tags: ['a'] },
      metadata: { actor: 'u1', n: null },
    });
    expect(binary).toMatchObject({ id: binaryId, type: 'Scanned', isJson: false, metadata: undefined });
    expect(Array.from(binary?.data as Uint8Array)).toEqual([0, 255, 7]);
    expect(Math.abs((json?.created.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('refuses a wrong expected revision with the actual and expected revisions', async () => {
    const stream = `case-${randomUUID()}`;
    await client.appendToStream(stream, [jsonEvent({ type: 'Opened', data: {} }), jsonEvent({ type: 'Noted', data: {} })], {
      expectedRevision: NO_STREAM,
    });
    const refusals = await Promise.all([
      client.appendToStream(stream, jsonEvent({ type: 'Late', data: {} }), { expectedRevision: 0n }).catch((error: unknown) => error),
      client.appendToStream(stream, jsonEvent({ type: 'Again', data: {} }), { expectedRevision: NO_STREAM }).catch((error: unknown) => error),
      client
        .appendToStream(`missing-${randomUUID()}`, jsonEvent({ type: 'First', data: {} }), { expectedRevision: 3n })
        .catch((error: unknown) => error),
    ]);

    for (const refusal of refusals) expect(refusal).toBeInstanceOf(WrongExpectedVersionError);
    const [stale, exists, missing] = refusals as WrongExpectedVersionError[];
    expect(stale).toMatchObject({ streamName: stream, expectedVersion: 0n, actualVersion: 1n });
    expect(exists).toMatchObject({ expectedVersion: 'no_stream', actualVersion: 1n });
    expect(missing).toMatchObject({ expectedVersion: 3n, actualVersion: 'no_stream' });
  });

  it('answers an identical retry of an append (same ids, same expectation) as an idempotent success', async () => {
    const stream = `retry-${randomUUID()}`;
    const events = [jsonEvent({ type: 'A', data: {} }), jsonEvent({ type: 'B', data: {} })];
    const first = await client.appendToStream(stream, events, { expectedRevision: NO_STREAM });
    const retry = await client.appendToStream(stream, events, { expectedRevision: NO_STREAM });

    expect(retry).toEqual(first);
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it('refuses an event id that is not a UUID', async () => {
    await expect(client.appendToStream(`ids-${randomUUID()}`, jsonEvent({ id: 'not-a-uuid', type: 'X', data: {} }))).rejects.toThrow(
      /BadRequest/,
    );
  });

  it('reports a missing stream as StreamNotFoundError', async () => {
    await expect(collect(client.readStream(`nobody-${randomUUID()}`))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('reads $all forwards from a position inclusively and backwards from it exclusively', async () => {
    const stream = `ledger-${randomUUID()}`;
    await client.appendToStream(stream, ['a', 'b', 'c'].map((type) => jsonEvent({ type, data: {} })));
    const all = await collect(client.readAll({ fromPosition: START }));
    const ours = all.filter((resolved) => resolved.event?.streamId === stream);
    const middle = ours[1]?.event?.position;
    if (!middle) throw new Error('appended events not found in $all');

    const positions = all.map((resolved) => resolved.event?.position.commit ?? 0n);
    expect(positions.every((position, index) => index === 0 || position > (positions[index - 1] ?? 0n))).toBe(true);
    expect(positions[0]).toBeGreaterThan(0n);
    expect(streamsOf(await collect(client.readAll({ fromPosition: middle, maxCount: 2 })))).toEqual([`${stream}@1`, `${stream}@2`]);
    expect(streamsOf(await collect(client.readAll({ fromPosition: middle, direction: BACKWARDS, maxCount: 1 })))).toEqual([
      `${stream}@0`,
    ]);
    expect(streamsOf(await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })))).toEqual([
      `${stream}@2`,
    ]);
  });

  it('runs a filtered catch-up subscription to $all: after the position, caughtUp, then live', async () => {
    const prefix = `sub-${randomUUID()}.`;
    await client.appendToStream(`${prefix}a`, [jsonEvent({ type: 'One', data: {} }), jsonEvent({ type: 'Two', data: {} })]);
    await client.appendToStream(`other-${randomUUID()}`, jsonEvent({ type: 'Noise', data: {} }));
    const [first] = await collect(client.readStream(`${prefix}a`));
    if (!first?.event?.position) throw new Error('no position on the first event');

    const subscription = client.subscribeToAll({
      fromPosition: first.event.position,
      filter: streamNameFilter({ prefixes: [prefix] }),
    });
    const { seen, events } = record(subscription);
    await events(1);
    await client.appendToStream(`${prefix}b`, jsonEvent({ type: 'Three', data: {} }));
    await client.appendToStream(`elsewhere-${randomUUID()}`, jsonEvent({ type: 'Noise', data: {} }));
    await events(2);
    await subscription.unsubscribe();

    expect(seen).toEqual([`${prefix}a@1`, 'caughtUp', `${prefix}b@0`]);
  });

  it('drops every call on restart; the client reconnects to the same port and finds the log kept', async () => {
    const stream = `durable-${randomUUID()}`;
    await client.appendToStream(stream, jsonEvent({ type: 'Before', data: {} }));
    const subscription = client.subscribeToAll({ fromPosition: END });
    const dropped = new Promise<unknown>((resolve) => subscription.on('error', resolve));
    await new Promise((resolve) => subscription.once('confirmation', resolve));

    await fake.restart();

    expect(await dropped).toBeInstanceOf(Error);
    // The first call after a drop may still meet the dead connection; the client then reconnects.
    const append = () => client.appendToStream(stream, jsonEvent({ type: 'After', data: {} }), { expectedRevision: 0n });
    await append().catch(append);
    expect((await collect(client.readStream(stream))).map((resolved) => resolved.event?.type)).toEqual(['Before', 'After']);
  });
});
