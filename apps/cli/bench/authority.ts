import { CommandBus } from '@nestjs/cqrs';
import type { Actor, Command } from '#domain';
import { LEVELS } from '#domain';
import { InprocBus } from '#bus/adapters';
import { RunCommand, TokenService, createHttpApp } from '#http';
import { LinkageRuntime, SettableClock, openChainedSqliteStore } from '#linkage';
import { join } from 'node:path';
import type { BenchResult } from './result.js';
import { round, withScratchDir } from './scratch.js';

const CITY: Actor = { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' };
const ROUNDS_PER_ARM = 1_000;
const BLOCK = 100;

const plan = (roundId: string, authorised: boolean): Command => ({
  type: 'planRound',
  data: {
    roundId,
    title: '交叉巡察',
    kind: 'regular',
    linkage: 'cross',
    targets: ['bench-unit'],
    // Two parties, as in 双授权; both of the city so that the bench needs no relay between levels.
    ...(authorised ? { authorisedBy: [{ jurisdiction: '350600', office: 'leading-group' as const }, { jurisdiction: '350600', office: 'party-committee' as const }] } : {}),
  },
});
const grant = (roundId: string, office: 'leading-group' | 'party-committee'): Command => ({
  type: 'grantAuthorisation',
  data: { authorisationId: `${roundId}-${office}`, roundId, grantee: '350600', office, acts: ['run-round', 'station-teams'], validFrom: '2024-01-01T00:00:00.000Z', reference: '漳委〔2024〕1号' },
});

/**
 * authority_launch_overhead_pct: what checking authorisations as of event time adds to a decision
 * that depends on them. launchRound of rounds that declare two authorising parties (one more stream
 * read, the check) against launchRound of rounds that declare none, in alternating blocks of 100 on
 * the same store, so both arms share the machine's load; the figure is the difference of the
 * per-command means.
 */
export const benchAuthorityLaunch = async (): Promise<BenchResult[]> =>
  withScratchDir('authority', async (dataDir) => {
    const clock = new SettableClock('2024-03-01T08:00:00.000Z');
    const runtime = await LinkageRuntime.start({
      levels: LEVELS,
      clock,
      bus: new InprocBus(),
      openStore: (level) => openChainedSqliteStore(join(dataDir, `${level}.events.db`), { synchronous: 'NORMAL' }),
      dataDir,
      live: false,
    });
    const app = await createHttpApp({ runtime, tokens: await TokenService.withNewKeys({ levelOf: (jurisdiction) => runtime.levelOf(jurisdiction) }), logger: false, swaggerUi: false });
    const commands = app.get(CommandBus);
    const run = (command: Command) => commands.execute(new RunCommand(command, CITY));
    try {
      await run({ type: 'registerUnit', data: { unitId: 'bench-unit', name: '东山县粮食储备库', jurisdiction: '350626' } });
      for (let n = 0; n < ROUNDS_PER_ARM; n++) {
        await run(plan(`plain-${n}`, false));
        await run(plan(`dual-${n}`, true));
        await run(grant(`dual-${n}`, 'leading-group'));
        await run(grant(`dual-${n}`, 'party-committee'));
      }
      const millis = { plain: 0, dual: 0 };
      for (let block = 0; block < ROUNDS_PER_ARM / BLOCK; block++) {
        for (const arm of block % 2 === 0 ? (['plain', 'dual'] as const) : (['dual', 'plain'] as const)) {
          const started = performance.now();
          for (let n = block * BLOCK; n < (block + 1) * BLOCK; n++) await run({ type: 'launchRound', data: { roundId: `${arm}-${n}` } });
          millis[arm] += performance.now() - started;
        }
      }
      const plainUs = (millis.plain * 1000) / ROUNDS_PER_ARM;
      const dualUs = (millis.dual * 1000) / ROUNDS_PER_ARM;
      const detail = (what: string) => `${ROUNDS_PER_ARM} launchRound commands per arm via CommandBus on SQLite (synchronous=NORMAL), alternating blocks of ${BLOCK}: ${what}`;
      return [
        { name: 'authority_launch_overhead_pct', value: round(((dualUs - plainUs) / plainUs) * 100), unit: '%', detail: detail('rounds needing two authorisations (双授权) against rounds needing none') },
        { name: 'authority_launch_us', value: round(dualUs), unit: 'µs/command', detail: detail('rounds needing two authorisations, checked as of the command time') },
        { name: 'plain_launch_us', value: round(plainUs), unit: 'µs/command', detail: detail('rounds needing none') },
      ];
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
