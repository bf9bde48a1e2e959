import { ChainBuilder, genesisHash, toHex } from '../chain.js';
import { MemoryEventStore } from '#event-store/adapters';
import { chainedMemoryStore } from '#linkage';
import { testSeal } from '../../../test/support/seals.js';
import { StoreChain } from './store-chain.js';

const event = (n: number) => ({ id: `e-${n}`, type: 'PetitionsReceived', data: { n }, metadata: { recordedAt: '2021-10-01T00:00:00.000Z' } });

describe('StoreChain', () => {
  it('reads the chain of a store sealed with the audit chain: hash_0 while empty, then each event linked from the one before', async () => {
    const store = chainedMemoryStore();
    const chain = StoreChain.of(store)!;
    expect(await chain.head()).toEqual({ position: 0, hash: toHex(genesisHash()) });

    await store.append('a', 'no-stream', [event(1), event(2)]);
    await store.append('b', 'no-stream', [event(3)]);
    const rows = await chain.readPage(0, 10);
    const builder = new ChainBuilder();
    expect(rows.map((row) => toHex(row.chainHash))).toEqual(rows.map((row) => toHex(builder.next(row))));
    expect(await chain.head()).toEqual({ position: 3, hash: toHex(rows[2]!.chainHash) });
    expect(chain.sqliteFile).toBeUndefined();
  });

  it('finds no chain in a store that seals nothing or seals with something else', () => {
    expect(StoreChain.of(new MemoryEventStore())).toBeUndefined();
    expect(StoreChain.of(new MemoryEventStore({ seal: testSeal }))).toBeUndefined();
  });
});
