import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { referenceChainHash, referenceDigest } from '../../test/support/chain-reference.js';
import type { ArbitraryChainContent } from '../../test/support/event-arbitraries.js';
import { assertBriefly, chainContent } from '../../test/support/event-arbitraries.js';
import { ChainBuilder, chainHashOf, chainLink, contentDigest, genesisHash, hashFromHex, toHex } from './chain.js';

const entry = {
  position: 1,
  streamId: 'issue-za-grain-1',
  revision: 0,
  eventId: '01890a5d-ac96-774b-bcce-b302099a8d99',
  type: 'IssueFound',
  data: '{"issueId":"za-grain-1","summary":"涉粮问题 1"}',
  metadata: '{"actor":{"id":"zz-team","jurisdiction":"350600","role":"team"}}',
};

/** The canonical form written out byte by byte, independently of chain.ts. */
const byHand = (previous: Buffer, value: typeof entry): Buffer => {
  const str = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const u64 = (n: number) => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(BigInt(n));
    return bytes;
  };
  const content = Buffer.concat([Buffer.from([1]), str(value.streamId), u64(value.revision), str(value.eventId), str(value.type), str(value.data), str(value.metadata)]);
  const digest = createHash('sha256').update(content).digest();
  return createHash('sha256').update(Buffer.concat([previous, u64(value.position), digest])).digest();
};

describe('the hash chain (sha256-chain/v1)', () => {
  it('hashes exactly the documented canonical form', () => {
    expect(toHex(chainHashOf(genesisHash(), entry))).toBe(toHex(byHand(Buffer.alloc(32), entry)));
    const second = { ...entry, position: 2, revision: 1, eventId: 'e-2', data: '{"n":2}' };
    const first = byHand(Buffer.alloc(32), entry);
    expect(toHex(chainHashOf(first, second))).toBe(toHex(byHand(first, second)));
  });

  it('hashes text given as UTF-8 bytes the same as the text itself', () => {
    const asBytes = { ...entry, data: Buffer.from(entry.data, 'utf8'), metadata: Buffer.from(entry.metadata, 'utf8') };
    expect(contentDigest(asBytes)).toEqual(contentDigest(entry));
  });

  it('changes with every field, and is injective across field boundaries', () => {
    const base = toHex(chainHashOf(genesisHash(), entry));
    const variants = [
      { ...entry, position: 2 },
      { ...entry, streamId: 'issue-za-grain-2' },
      { ...entry, revision: 1 },
      { ...entry, eventId: `${entry.eventId.slice(0, -1)}0` },
      { ...entry, type: 'IssueFounD' },
      { ...entry, data: entry.data.replace('1', '2') },
      { ...entry, metadata: entry.metadata.replace('team', 'unit') },
      // The same bytes moved from one field to the next must not hash alike.
      { ...entry, type: `${entry.type}{`, data: entry.data.slice(1) },
    ];
    for (const variant of variants) expect(toHex(chainHashOf(genesisHash(), variant))).not.toBe(base);
  });

  it('links each hash to the previous one, as a builder extends it', () => {
    const builder = new ChainBuilder();
    const first = builder.next(entry);
    const second = builder.next({ ...entry, position: 2, revision: 1 });
    expect(second).toEqual(chainLink(first, 2, contentDigest({ ...entry, revision: 1 })));
    expect(builder.head).toEqual(second);
    // A builder started from a stored head continues the same chain.
    expect(new ChainBuilder(first).next({ ...entry, position: 2, revision: 1 })).toEqual(second);
  });

  it('refuses what the canonical form cannot express', () => {
    expect(() => chainHashOf(genesisHash(), { ...entry, revision: -1 })).toThrow(RangeError);
    expect(() => chainLink(Buffer.alloc(31), 1, Buffer.alloc(32))).toThrow(RangeError);
  });

  it('reads only well-formed hex hashes', () => {
    expect(hashFromHex('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(hashFromHex('AB'.repeat(32))).toBeUndefined();
    expect(hashFromHex('ab'.repeat(31))).toBeUndefined();
    expect(hashFromHex(42)).toBeUndefined();
  });
});

describe('the canonical form of events of any size', () => {
  const MB = 1024 * 1024;
  const byteSize = (content: ArbitraryChainContent): number =>
    [content.streamId, content.eventId, content.type, content.data, content.metadata].reduce((sum, field) => sum + (typeof field === 'string' ? Buffer.byteLength(field) : field.length), 0);

  it('digests events of 0 B to 2 MB exactly as the reference encoding, in any order and after other large events', async () => {
    await assertBriefly(
      fc.property(fc.array(chainContent(2 * MB), { minLength: 1, maxLength: 4 }), chainContent(2 * MB), (events, other) => {
        const expected = events.map((event) => toHex(referenceDigest(event)));
        // Smallest first makes every larger event outgrow what the encoder has held so far.
        const smallestFirst = [...events.keys()].sort((a, b) => byteSize(events[a]!) - byteSize(events[b]!));
        for (const order of [[...events.keys()], smallestFirst, [...smallestFirst].reverse()]) {
          for (const index of order) expect(toHex(contentDigest(events[index]!))).toBe(expected[index]);
          contentDigest(other);
        }
        // And linked into a chain, as a store appends them.
        let [chained, reference] = [genesisHash(), genesisHash()];
        events.forEach((event, index) => {
          chained = chainHashOf(chained, { ...event, position: index + 1 });
          reference = referenceChainHash(reference, { ...event, position: index + 1 });
          expect(toHex(chained)).toBe(toHex(reference));
        });
      }),
      { numRuns: 25 },
    );
  });
});

