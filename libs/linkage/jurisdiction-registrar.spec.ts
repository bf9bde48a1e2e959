// The one writer of a level's jurisdiction registry, fed from the level's store alone: what passes
// through the store it watches, and at start what the read model knew and the store's tail.
import { Writable } from 'node:stream';
import type { JurisdictionRegistered } from '#domain';
import { WrongExpectedRevision, newEventId } from '#event-store';
import { MemoryEventStore } from '#event-store/adapters';
import { createOperationsLog, operationsLog, useOperationsLog } from '#observability';
import { JurisdictionRegistrar } from './jurisdiction-registrar.js';

const ZHANGZHOU = '350600';
/** A city that is not in the reference data, and a county under it. */
const NEW_CITY: JurisdictionRegistered['data'] = { code: '359900', name: '新市', level: 'city', parent: '350000' };
const NEW_COUNTY: JurisdictionRegistered['data'] = { code: '359921', name: '新县', level: 'county', parent: NEW_CITY.code };
const UNDER_ZHANGZHOU: JurisdictionRegistered['data'] = { code: '350699', name: '新区', level: 'county', parent: ZHANGZHOU };

const registered = (data: JurisdictionRegistered['data']) => ({
  id: newEventId(),
  type: 'JurisdictionRegistered',
  data,
  metadata: { recordedAt: '2024-05-01T00:00:00.000Z' },
});
const streamOf = (data: JurisdictionRegistered['data']) => `jurisdiction-${data.code}`;

describe('JurisdictionRegistrar', () => {
  it('given the reference data, when nothing is stored, then the directory holds the reference data alone', () => {
    const registrar = JurisdictionRegistrar.fromReference();
    expect(registrar.directory.get(ZHANGZHOU)).toMatchObject({ level: 'city', parent: '350000' });
    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toBeUndefined();
  });

  it('given a county appended through the watched store before its new city, then the county waits for the city and both are learnt', async () => {
    const registrar = JurisdictionRegistrar.fromReference();
    const store = registrar.watch(new MemoryEventStore());

    await store.append(streamOf(NEW_COUNTY), 'no-stream', [registered(NEW_COUNTY)]);
    expect(registrar.directory.get(NEW_COUNTY.code)).toBeUndefined();

    await store.appendMany([{ streamId: streamOf(NEW_CITY), expected: 'no-stream', events: [registered(NEW_CITY)] }]);
    expect(registrar.directory.get(NEW_CITY.code)).toMatchObject({ parent: '350000' });
    expect(registrar.directory.get(NEW_COUNTY.code)).toMatchObject({ parent: NEW_CITY.code });
    expect(registrar.directory.childrenOf(NEW_CITY.code)).toEqual([NEW_COUNTY.code]);
  });

  it('given an append the store refuses, then nothing of it is learnt', async () => {
    const registrar = JurisdictionRegistrar.fromReference();
    const raw = new MemoryEventStore();
    const store = registrar.watch(raw);
    await raw.append('jurisdiction-350699', 'no-stream', [{ ...registered(UNDER_ZHANGZHOU), type: 'SomethingElse' }]);

    await expect(store.append(streamOf(UNDER_ZHANGZHOU), 'no-stream', [registered(UNDER_ZHANGZHOU)])).rejects.toThrow(WrongExpectedRevision);
    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toBeUndefined();
  });

  it('given a jurisdiction the store took behind the watcher (a failed esdb appendMany kept it), when its stream is read back, then it is learnt', async () => {
    const registrar = JurisdictionRegistrar.fromReference();
    const raw = new MemoryEventStore();
    const store = registrar.watch(raw);
    await raw.append(streamOf(UNDER_ZHANGZHOU), 'no-stream', [registered(UNDER_ZHANGZHOU)]);
    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toBeUndefined();

    await store.readStream(streamOf(UNDER_ZHANGZHOU));

    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toMatchObject({ parent: ZHANGZHOU });
  });

  it('given what the read model knew and facts after its checkpoint, when it warms up, then it learns both and reads the store only from the checkpoint', async () => {
    const raw = new MemoryEventStore();
    await raw.append(streamOf(UNDER_ZHANGZHOU), 'no-stream', [registered(UNDER_ZHANGZHOU)]);
    await raw.append(streamOf(NEW_CITY), 'no-stream', [registered(NEW_CITY)]);
    await raw.append(streamOf(NEW_COUNTY), 'no-stream', [registered(NEW_COUNTY)]);
    const registrar = JurisdictionRegistrar.fromReference();

    // The read model has projected the first two facts, and knew of the new city only.
    await registrar.warmUp(registrar.watch(raw), { jurisdictions: [NEW_CITY], position: 2 });

    expect(registrar.directory.get(NEW_CITY.code)).toBeDefined();
    expect(registrar.directory.get(NEW_COUNTY.code)).toMatchObject({ parent: NEW_CITY.code });
    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toBeUndefined();
  });

  it('given a code it knows, when a fact registers it with another parent or level, then the fact is kept, the first entry stays, and later registrations are still learnt', async () => {
    const registrar = JurisdictionRegistrar.fromReference();
    const store = registrar.watch(new MemoryEventStore());
    await store.append(streamOf(UNDER_ZHANGZHOU), 'no-stream', [registered(UNDER_ZHANGZHOU)]);
    // The same code registered at another level, under the province (a fact another level recorded).
    const elsewhere: JurisdictionRegistered['data'] = { ...UNDER_ZHANGZHOU, name: '新市', level: 'city', parent: '350000' };

    const warnings: string[] = [];
    const previousLog = operationsLog();
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(chunk.toString());
        done();
      },
    });
    useOperationsLog(createOperationsLog({ level: 'warn', destination }));
    try {
      await store.append(streamOf(UNDER_ZHANGZHOU), 0, [registered(elsewhere)]);
      await store.readStream(streamOf(UNDER_ZHANGZHOU));
      await store.readStream(streamOf(UNDER_ZHANGZHOU));
    } finally {
      useOperationsLog(previousLog);
    }

    expect((await store.readStream(streamOf(UNDER_ZHANGZHOU))).map((event) => event.data)).toEqual([UNDER_ZHANGZHOU, elsewhere]);
    expect(registrar.directory.get(UNDER_ZHANGZHOU.code)).toMatchObject({ level: 'county', parent: ZHANGZHOU });
    expect(registrar.directory.childrenOf('350000')).not.toContain(UNDER_ZHANGZHOU.code);
    expect(registrar.conflicts).toBe(1);
    expect(warnings).toEqual([expect.stringContaining('"event":"jurisdiction-conflict"')]);
    await store.append(streamOf(NEW_CITY), 'no-stream', [registered(NEW_CITY)]);
    expect(registrar.directory.get(NEW_CITY.code)).toBeDefined();
  });
});
