import type { ChainHead, ChainRow } from '../chain.js';
import { chainSeal, genesisHash, toHex } from '../chain.js';
import type { ChainSource } from '../verify.js';
import type { EventStore, SealedLog } from '#event-store';

/**
 * The hash chain (libs/audit chain.ts) of a store sealed with `chainSeal`: each event's seal is its
 * chain hash. Found through the store's capabilities, so that it works on whichever adapter keeps
 * one.
 */
export class StoreChain {
  private constructor(
    private readonly log: SealedLog,
    /** The store's SQLite file, which the verifier checks on worker threads; undefined for a store kept elsewhere. */
    readonly sqliteFile: string | undefined,
  ) {}

  /**
   * Undefined for a store that keeps no chain: one that seals nothing (a store opened without a
   * seal) or seals with something else.
   */
  static of(store: EventStore): StoreChain | undefined {
    const { sealed, sqliteFile } = store.capabilities;
    return sealed?.sealedWith === chainSeal ? new StoreChain(sealed, sqliteFile) : undefined;
  }

  /** The last event's position and chain hash; position 0 and hash_0 when the store is empty. */
  async head(): Promise<ChainHead> {
    const last = await this.log.last();
    return last ? { position: last.position, hash: toHex(last.seal) } : { position: 0, hash: toHex(genesisHash()) };
  }

  /**
   * The chain position of the event stored at store position `position` (the same number in sqlite
   * and memory; EventStoreDB numbers its events itself), undefined when no event is there.
   */
  placeOf(position: number): Promise<number | undefined> {
    return this.log.placeOf(position);
  }

  /** Events with their stored JSON text and chain hash, chain positions strictly after `after`, at most `limit`. */
  async readPage(after: number, limit: number): Promise<ChainRow[]> {
    return (await this.log.read(after, limit)).map(({ seal, ...stored }) => ({ ...stored, chainHash: seal }));
  }

  /** The chain as a verifier reads it. */
  source(description: string): ChainSource {
    return { description, readPage: (after, limit) => this.readPage(after, limit) };
  }
}
