/**
 * An audit key rotation: heads signed with the retired key still verify (through the API and the
 * offline verifier), heads signed after carry the new key id.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import { verifyServedLevel } from '#audit';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';
import { runCli } from '../harness/cli.js';

const COUNTY_OFFICE: Actor = { id: 'za-inspection-office', jurisdiction: '350624', role: 'leading-group' };
const COUNTY_AUDITOR: Actor = { id: 'za-auditor', jurisdiction: '350624', role: 'auditor' };

describe('audit key rotation', () => {
  let parent: string;
  let dataDir: string;
  let harness: EmbeddedHarness | undefined;

  const serve = () => startEmbeddedHarness({ dataDir, audit: { keyFolder: dataDir } });
  const recordAndSign = async (running: EmbeddedHarness, unitId: string) => {
    const registered = await running.command(
      'county',
      '/v1/commands/registerUnit',
      { unitId, name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' },
      { authorization: `Bearer ${await running.mint(COUNTY_OFFICE)}` },
    );
    expect(registered.status).toBe(201);
    await running.runtime.settle();
    return running.runtime.node('county')!.audit.signer!.signNow();
  };

  beforeAll(() => {
    mkdirSync(join(process.cwd(), '.tmp'), { recursive: true });
    parent = mkdtempSync(join(process.cwd(), '.tmp', 'audit-key-rotation-'));
    dataDir = join(parent, 'data');
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('verifies a head signed before the rotation, and signs with the new key after it', async () => {
    harness = await serve();
    const before = await recordAndSign(harness, 'za-grain-depot');
    await harness.close();
    harness = undefined;

    const rotated = runCli(['keys', 'rotate', 'audit', '--level', 'county'], { DATA_DIR: dataDir });
    expect(rotated).toMatchObject({ code: 0, out: expect.stringContaining(`${before.head.keyId} retired (heads it signed still verify)`) });

    harness = await serve();
    const after = await recordAndSign(harness, 'za-seed-company');
    expect(after.head.keyId).not.toBe(before.head.keyId);
    const verified = await harness.read('county', '/v1/audit/verify/county', { authorization: `Bearer ${await harness.mint(COUNTY_AUDITOR)}` });
    expect(verified.status).toBe(200);
    const report = JSON.parse(verified.body) as { ok: boolean; findings: unknown[]; signedHeads: { confirmed: number; keys: { keyId: string; trusted: boolean }[] } };
    expect(report).toMatchObject({ ok: true, findings: [] });
    expect(report.signedHeads.confirmed).toBe(2);
    expect(report.signedHeads.keys).toEqual(
      expect.arrayContaining([expect.objectContaining({ keyId: before.head.keyId, trusted: true }), expect.objectContaining({ keyId: after.head.keyId, trusted: true })]),
    );
    // Trusting the new key alone, the old head is what it would be without the retired list: untrusted.
    const pinned = await verifyServedLevel(harness.runtime, 'county', { trustedKeyIds: [after.head.keyId] });
    expect(pinned.findings.map((finding) => finding.kind)).toEqual(['untrusted-key']);
    await harness.close();
    harness = undefined;

    // The offline verifier over the data folder trusts the key file and the retired list alike.
    const offline = runCli(['verify', '--data-dir', dataDir, '--level', 'county', '--json'], {});
    expect(offline.code).toBe(0);
  });
});
