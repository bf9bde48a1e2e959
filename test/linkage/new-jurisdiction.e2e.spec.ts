import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '#domain';
import type { EmbeddedHarness } from '#scenario';
import { startEmbeddedHarness } from '#scenario';

const ADMIN: Actor = { id: 'ops', jurisdiction: '350000', role: 'admin' };
const ZHANGZHOU: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const NEW_COUNTY: Actor = { id: 'gl-office', jurisdiction: '350630', role: 'leading-group' };

const post = async (harness: EmbeddedHarness, command: string, body: unknown, actor: Actor) =>
  harness.command('province', `/v1/commands/${command}`, body, { authorization: `Bearer ${await harness.mint(actor)}` });

describe('a jurisdiction registered at run time', () => {
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(join(process.cwd(), '.tmp', 'registry-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('reaches every level, takes tasks from its city, and is still known after a restart', async () => {
    let harness = await startEmbeddedHarness({ dataDir });
    try {
      const registered = await post(harness, 'registerJurisdiction', { code: '350630', name: '古雷区', level: 'county', parent: '350600' }, ADMIN);
      expect(registered.status).toBe(201);
      expect(JSON.parse(registered.body)).toMatchObject({ level: 'county' });
      await harness.settle();
      for (const level of harness.runtime.levels) {
        expect(harness.runtime.node(level)!.service.registry.get('350630')).toMatchObject({ parent: '350600', level: 'county' });
      }
      expect((await post(harness, 'registerJurisdiction', { code: '350630', name: '古雷区', level: 'county', parent: '350600' }, ADMIN)).status).toBe(409);
      expect((await post(harness, 'registerJurisdiction', { code: '350631', name: 'x', level: 'county', parent: '359900' }, ADMIN)).status).toBe(404);
      expect((await post(harness, 'registerJurisdiction', { code: '350632', name: 'x', level: 'county', parent: '350600' }, ZHANGZHOU)).status).toBe(403);
    } finally {
      await harness.close();
    }

    harness = await startEmbeddedHarness({ dataDir });
    try {
      for (const level of harness.runtime.levels) expect(harness.runtime.node(level)!.service.registry.get('350630')?.parent).toBe('350600');
      const task = { taskId: 'gl-task-1', toJurisdiction: '350630', kind: 'report', title: '报送巡察整改情况', dueBy: '2030-01-01T00:00:00+08:00' };
      expect((await post(harness, 'assignTask', task, ZHANGZHOU)).status).toBe(201);
      await harness.settle();
      expect((await post(harness, 'acceptTask', { taskId: 'gl-task-1' }, NEW_COUNTY)).status).toBe(201);
      await harness.settle();
      const reader = `Bearer ${await harness.mint(ZHANGZHOU)}`;
      const report = JSON.parse((await harness.read('city', '/v1/reports/350600', { authorization: reader })).body) as { children: { jurisdiction: string; tasks: { accepted: number } }[] };
      expect(report.children.find((child) => child.jurisdiction === '350630')?.tasks.accepted).toBe(1);
    } finally {
      await harness.close();
    }
  });
});
