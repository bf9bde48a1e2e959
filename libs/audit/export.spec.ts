import type { ChainRow } from './chain.js';
import { ChainBuilder, toHex } from './chain.js';
import { exportLines, parseExport, verifyExport } from './export.js';
import { generateSigningKey, signChainHead } from './signing.js';
import type { HeldHead } from './verify.js';

const key = generateSigningKey();

const rows: ChainRow[] = (() => {
  const builder = new ChainBuilder();
  return Array.from({ length: 30 }, (_, index) => {
    const position = index + 1;
    const county = position % 3 === 0 ? '350626' : '350624';
    const fields = {
      position,
      streamId: `issue-i${position}`,
      revision: 0,
      eventId: `e-${position}`,
      type: 'IssueFound',
      data: JSON.stringify({ issueId: `i${position}`, unitJurisdiction: county }),
      metadata: JSON.stringify({ jurisdiction: county }),
    };
    return { ...fields, chainHash: builder.next(fields) };
  });
})();

const heads: HeldHead[] = [
  { head: signChainHead(key, { level: 'county', position: 30, hash: toHex(rows[29]!.chainHash), signedAt: '2021-12-01T00:00:00.000Z' }), heldBy: 'city', storedAt: 30 },
];

const exported = async (): Promise<string[]> => {
  const lines: string[] = [];
  for await (const line of exportLines({
    source: { description: 'rows', readPage: (after, limit) => rows.filter((row) => row.position > after).slice(0, limit) },
    level: 'county',
    jurisdiction: '350624',
    include: (row) => (row.metadata as string).includes('350624'),
    heads,
    head: { position: 30, hash: toHex(rows[29]!.chainHash) },
    exportedAt: '2021-12-02T00:00:00.000Z',
    pageSize: 7,
  })) {
    lines.push(line);
  }
  return lines;
};

const verifyLines = async (lines: string[]) => verifyExport(await parseExport(lines), { description: 'export', trustedKeyIds: [key.keyId] });

describe('NDJSON export', () => {
  it("shows one jurisdiction's events, redacts the others, and verifies offline", async () => {
    const lines = await exported();
    const kinds = lines.map((line) => (JSON.parse(line) as { kind: string }).kind);
    expect(kinds[0]).toBe('header');
    expect(kinds.filter((kind) => kind === 'event')).toHaveLength(20);
    expect(kinds.filter((kind) => kind === 'redacted')).toHaveLength(10);
    expect(kinds.slice(-2)).toEqual(['signed-head', 'end']);
    expect(lines.filter((line) => line.includes('350626'))).toEqual([]);
    const report = await verifyLines(lines);
    expect(report).toMatchObject({ ok: true, events: 30, redacted: 10, signedHeads: { confirmed: 1 } });
  });

  it('detects a changed event, a changed redacted digest and a cut file', async () => {
    const lines = await exported();
    const changeLine = (position: number, change: (line: Record<string, unknown>) => void) =>
      lines.map((line) => {
        const value = JSON.parse(line) as Record<string, unknown>;
        if (value.position !== position) return line;
        change(value);
        return JSON.stringify(value);
      });
    const edited = changeLine(4, (line) => (line.data = (line.data as string).replace('i4', 'i5')));
    expect((await verifyLines(edited)).firstBroken).toMatchObject({ position: 4, kind: 'payload-changed' });
    const redacted = changeLine(6, (line) => (line.digest = '00'.repeat(32)));
    expect((await verifyLines(redacted)).firstBroken).toMatchObject({ position: 6, kind: 'payload-changed' });
    const cut = lines.slice(0, 20);
    const report = await verifyLines(cut);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ position: 20, kind: 'tail-truncated' });
  });
});
