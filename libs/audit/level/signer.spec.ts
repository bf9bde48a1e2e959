import { generateSigningKey, signatureProblem } from '../signing.js';
import { toHex } from '../chain.js';
import type { MemoryEventStore } from '#event-store/adapters';
import { chainedMemoryStore, loadReferenceRegistry } from '#linkage';
import { StoreChain } from './store-chain.js';
import { ChainSigner } from './signer.js';

const SYSTEM = { id: 'audit-chain-signer-county', jurisdiction: '350000', role: 'admin' as const };

const appendEvents = async (store: MemoryEventStore, count: number): Promise<void> => {
  for (let n = 0; n < count; n++) {
    await store.append(`stream-${Math.random()}`, 'no-stream', [{ id: `e-${Math.random()}`, type: 'PetitionsReceived', data: {}, metadata: { recordedAt: new Date().toISOString() } }]);
  }
};

describe('ChainSigner', () => {
  const key = generateSigningKey();
  const auditedOn = (store: MemoryEventStore) => ({ level: 'county' as const, store, jurisdictions: loadReferenceRegistry(), onAppended: () => {} });

  it('signs every N stored events, counting from its last signature, across restarts', async () => {
    const store = chainedMemoryStore();
    const signer = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM, { everyEvents: 5 });
    expect(await signer.drain()).toBeUndefined();
    await appendEvents(store, 4);
    expect(await signer.drain()).toBeUndefined();
    await appendEvents(store, 1);
    const first = await signer.drain();
    expect(first).toMatchObject({ position: 6, head: { level: 'county', position: 5, hash: toHex((await StoreChain.of(store)!.readPage(4, 1))[0]!.chainHash) } });
    expect(signatureProblem(first!.head)).toBeUndefined();
    expect(await signer.drain()).toBeUndefined();

    // A restarted signer continues from the signature in the store, not from zero.
    const restarted = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM, { everyEvents: 5 });
    await appendEvents(store, 4);
    expect(await restarted.drain()).toBeUndefined();
    await appendEvents(store, 1);
    expect(await restarted.drain()).toMatchObject({ position: 12, head: { position: 11 } });
    const recorded = await store.readStream('audit-chain-county');
    expect(recorded.map((event) => [event.type, (event.metadata as { actor: unknown }).actor])).toEqual([
      ['ChainHeadSigned', SYSTEM],
      ['ChainHeadSigned', SYSTEM],
    ]);
  });

  it('signs after an interval only when something was stored, and on demand whenever the last signature no longer covers the head', async () => {
    const store = chainedMemoryStore();
    const signer = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM, { intervalMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await signer.drain()).toBeUndefined();
    await appendEvents(store, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await signer.drain()).toMatchObject({ head: { position: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await signer.drain()).toBeUndefined();
    const admin = { id: 'fj-ops', jurisdiction: '350000', role: 'admin' as const };
    // Nothing stored since the periodic signature: it still covers the head, and asking writes nothing.
    const head = await store.headPosition();
    const covered = await signer.signNow(admin);
    expect(covered.position).toBe(head);
    expect(await store.headPosition()).toBe(head);
    await appendEvents(store, 1);
    const onDemand = await signer.signNow(admin);
    expect(onDemand.head.position).toBe(head + 1);
    expect((await store.readStream('audit-chain-county')).at(-1)!.metadata).toMatchObject({ actor: admin, jurisdiction: '350000' });
    expect(await signer.signNow(admin)).toEqual(onDemand);
  });

  it('signs after another process of the level signed since it last looked, on the newer head', async () => {
    const store = chainedMemoryStore();
    await appendEvents(store, 2);
    const one = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM);
    const other = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM);
    const first = await one.signNow();
    expect(first).toMatchObject({ head: { position: 2 }, position: 3 });
    // Nothing stored since: the other process finds that signature in the store and writes nothing.
    expect(await other.signNow()).toEqual(first);
    await appendEvents(store, 1);
    expect(await other.signNow()).toMatchObject({ head: { position: 4 }, position: 5 });
    // `one` last saw its own signature; the stream moved on under it.
    expect(await one.signNow()).toMatchObject({ head: { position: 5 }, position: 6 });
    expect((await store.readStream('audit-chain-county')).map((event) => event.revision)).toEqual([0, 1, 2]);
  });

  it('never signs by itself without a schedule', async () => {
    const store = chainedMemoryStore();
    const signer = new ChainSigner(auditedOn(store), StoreChain.of(store)!, key, SYSTEM);
    await appendEvents(store, 50);
    expect(signer.periodic).toBe(false);
    expect(await signer.drain()).toBeUndefined();
  });
});
