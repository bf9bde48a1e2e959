import type { ChainRow } from './chain.js';
import { ChainBuilder, chainHashOf, toHex } from './chain.js';
import type { AuditSigningKey } from './signing.js';
import { generateSigningKey, signChainHead } from './signing.js';
import type { CopyFinder, HeldHead, VerifiableRow } from './verify.js';
import { verifyChain } from './verify.js';

const key: AuditSigningKey = generateSigningKey();

type TextRow = ChainRow & { readonly data: string; readonly metadata: string };

/** A county store's chain of `count` events, as a store would have written it. */
const chain = (count: number): TextRow[] => {
  const builder = new ChainBuilder();
  return Array.from({ length: count }, (_, index) => {
    const position = index + 1;
    const fields = {
      position,
      streamId: `issue-i${position % 7}`,
      revision: Math.floor(index / 7),
      eventId: `e-${position}`,
      type: 'IssueFound',
      data: JSON.stringify({ issueId: `i${position % 7}`, summary: `问题 ${position}` }),
      metadata: JSON.stringify({ eventId: `e-${position}`, actor: { id: 'za-team', jurisdiction: '350624', role: 'team' }, jurisdiction: '350624' }),
    };
    return { ...fields, chainHash: builder.next(fields) };
  });
};

const headAt = (rows: readonly ChainRow[], position: number, heldBy = 'city', signer = key): HeldHead => ({
  head: signChainHead(signer, { level: 'county', position, hash: toHex(rows[position - 1]!.chainHash), signedAt: `2021-10-0${(position % 9) + 1}T00:00:00.000Z` }),
  heldBy,
});

const verify = (rows: readonly VerifiableRow[], heads: readonly HeldHead[] = [], more: { copies?: CopyFinder; trustedKeyIds?: string[] } = {}) =>
  verifyChain({
    source: { description: 'rows', readPage: (after, limit) => rows.filter((row) => row.position > after).slice(0, limit) },
    level: 'county',
    heads,
    pageSize: 16,
    ...more,
  });

const withPosition = (row: TextRow, position: number): TextRow => ({ ...row, position });

describe('verifyChain', () => {
  const pristine = chain(60);
  const heads = [headAt(pristine, 20), headAt(pristine, 40), headAt(pristine, 60)];

  it('passes an intact chain and confirms every head', async () => {
    const report = await verify(pristine, heads);
    expect(report).toMatchObject({ ok: true, events: 60, firstBroken: null, head: { position: 60, hash: toHex(pristine[59]!.chainHash) } });
    expect(report.signedHeads).toMatchObject({ checked: 3, confirmed: 3, latestConfirmed: { position: 60, heldBy: ['city'] } });
  });

  it('names a payload changed in place', async () => {
    const rows = pristine.map((row) => (row.position === 17 ? { ...row, data: row.data.replace('问题', '问提') } : row));
    const report = await verify(rows, heads);
    expect(report.firstBroken).toMatchObject({ position: 17, kind: 'payload-changed', streamId: 'issue-i3', eventId: 'e-17' });
    // The walk resynchronises: nothing else is reported, and later heads are not compared with a broken chain.
    expect(report.findings).toHaveLength(1);
    expect(report.signedHeads).toMatchObject({ confirmed: 0, unconfirmed: 3 });
  });

  it('tells an actor rewrite from a copy another level holds', async () => {
    const rows = pristine.map((row) => (row.position === 30 ? { ...row, metadata: row.metadata.replace('za-team', 'someone') } : row));
    const copies: CopyFinder = async ({ eventId }) =>
      eventId === 'e-30' ? [{ heldBy: 'city', position: 99, type: 'IssueFound', data: JSON.parse(pristine[29]!.data), metadata: { ...JSON.parse(pristine[29]!.metadata), eventId: 'other' } }] : [];
    const report = await verify(rows, heads, { copies });
    expect(report.firstBroken).toMatchObject({ position: 30, kind: 'actor-rewritten', evidence: { heldBy: 'city', position: 99, differences: ['metadata.actor'] } });
  });

  it('names a rewritten chain hash', async () => {
    const rows = pristine.map((row) => (row.position === 9 ? { ...row, chainHash: Buffer.alloc(32, 9) } : row));
    expect((await verify(rows)).firstBroken).toMatchObject({ position: 9, kind: 'chain-hash-altered' });
  });

  it('names a missing event, whether or not the later positions were renumbered', async () => {
    const gap = pristine.filter((row) => row.position !== 25);
    expect((await verify(gap)).firstBroken).toMatchObject({ position: 25, kind: 'event-missing' });
    const renumbered = pristine.filter((row) => row.position < 25 || row.position > 27).map((row) => (row.position > 27 ? withPosition(row, row.position - 3) : row));
    const report = await verify(renumbered);
    expect(report.firstBroken).toMatchObject({ position: 25, kind: 'event-missing', message: expect.stringContaining('3 events removed') });
    expect(report.findings).toHaveLength(1);
  });

  it('names an inserted event', async () => {
    const forged: TextRow = { ...pristine[0]!, position: 12, eventId: 'forged', chainHash: Buffer.alloc(32, 1) };
    const rows = [...pristine.slice(0, 11), forged, ...pristine.slice(11).map((row) => withPosition(row, row.position + 1))];
    const report = await verify(rows);
    expect(report.firstBroken).toMatchObject({ position: 12, kind: 'event-inserted' });
    expect(report.findings).toHaveLength(1);
  });

  it('names two events that changed places, with or without their hashes, adjacent or not', async () => {
    const swapRows = (a: number, b: number) =>
      pristine.map((row) => (row.position === a ? withPosition(pristine[b - 1]!, a) : row.position === b ? withPosition(pristine[a - 1]!, b) : row));
    const swapContents = (a: number, b: number) =>
      pristine.map((row) =>
        row.position === a ? { ...withPosition(pristine[b - 1]!, a), chainHash: row.chainHash } : row.position === b ? { ...withPosition(pristine[a - 1]!, b), chainHash: row.chainHash } : row,
      );
    for (const rows of [swapRows(14, 31), swapRows(14, 15), swapContents(14, 31), swapContents(14, 15)]) {
      const report = await verify(rows);
      expect(report.firstBroken).toMatchObject({ position: 14, kind: 'events-swapped' });
      expect(report.findings).toHaveLength(1);
    }
  });

  it('names a truncated tail from a head past the end, or from where a signature itself was stored', async () => {
    expect((await verify(pristine.slice(0, 50), heads)).firstBroken).toMatchObject({ position: 51, kind: 'tail-truncated', relatedPosition: 60 });
    const signedAt40StoredAt55: HeldHead = { ...headAt(pristine, 40), storedAt: 55 };
    expect((await verify(pristine.slice(0, 52), [signedAt40StoredAt55])).firstBroken).toMatchObject({ position: 53, kind: 'tail-truncated', relatedPosition: 55 });
  });

  it('bounds a rewritten and re-hashed history between the heads around it', async () => {
    const rows = [...pristine];
    let previous = rows[32]!.chainHash;
    for (let index = 33; index < rows.length; index++) {
      const row = index === 33 ? { ...rows[index]!, data: '{"issueId":"i6","summary":"nothing"}' } : rows[index]!;
      previous = chainHashOf(previous, row);
      rows[index] = { ...row, chainHash: previous };
    }
    const report = await verify(rows, heads);
    expect(report.firstBroken).toMatchObject({ position: 21, kind: 'history-rewritten', range: [21, 40], relatedPosition: 40 });
    expect(report.signedHeads.confirmed).toBe(1);
  });

  it('refuses heads with a bad signature or, when keys are pinned, an unknown key', async () => {
    const forged = { ...headAt(pristine, 20), head: { ...headAt(pristine, 20).head, hash: toHex(pristine[21]!.chainHash) } };
    expect((await verify(pristine, [forged])).firstBroken).toMatchObject({ position: 20, kind: 'bad-signature' });
    const stranger = headAt(pristine, 20, 'city', generateSigningKey());
    const report = await verify(pristine, [stranger], { trustedKeyIds: [key.keyId] });
    expect(report.firstBroken).toMatchObject({ position: 20, kind: 'untrusted-key' });
    expect(report.signedHeads.keys).toEqual([{ keyId: stranger.head.keyId, heads: 1, trusted: false }]);
  });

  it('survives rows the canonical form cannot express', async () => {
    const rows = pristine.map((row) => (row.position === 5 ? { ...row, revision: -1 } : row));
    expect((await verify(rows)).firstBroken).toMatchObject({ position: 5, kind: 'payload-changed' });
  });
});
