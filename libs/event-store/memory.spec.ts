import { describeEventStoreContract, describeSealingContract } from '../../test/contracts/event-store.contract.js';
import { DuplicateEventId } from './encoding.js';
import { MemoryEventStore } from './memory.js';

describeEventStoreContract('memory', async () => {
  const store = new MemoryEventStore();
  return { store, close: () => store.close() };
});

describeSealingContract('memory', async (seal) => {
  const store = new MemoryEventStore({ seal });
  return { store, close: () => store.close() };
});

describe('MemoryEventStore', () => {
  const event = (id: string) => ({ id, type: 'Happened', data: { id }, metadata: {} });

  it('seals nothing, and says so, when opened without a seal', async () => {
    const store = new MemoryEventStore();
    await store.append('a', 'no-stream', [event('e1')]);
    expect(store.capabilities).toEqual({});
  });

  it('refuses an event id already stored, writing none of the append', async () => {
    const store = new MemoryEventStore();
    await store.append('a', 'no-stream', [event('e1')]);

    await expect(store.append('b', 'no-stream', [event('e2'), event('e1')])).rejects.toThrow(DuplicateEventId);
    expect(await store.readStream('b')).toEqual([]);
    expect(await store.headPosition()).toBe(1);
  });

  it('refuses further use once closed', async () => {
    const store = new MemoryEventStore();
    await store.append('a', 'no-stream', [event('e1')]);
    await store.close();

    await expect(store.append('a', 0, [event('e2')])).rejects.toThrow('MemoryEventStore is closed');
    await expect(store.readAll()).rejects.toThrow('MemoryEventStore is closed');
  });
});
