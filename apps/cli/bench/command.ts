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
const TEAM: Actor = { id: 'zz-team', jurisdiction: '350600', role: 'team' };

/** The facts a city needs before its team can record issues: units, a launched round, a stationed team. */
export const cityRoundSetup = (units: number): { command: Command; actor: Actor }[] => [
  ...Array.from({ length: units }, (_, i) => ({
    actor: CITY,
    command: { type: 'registerUnit', data: { unitId: `bench-unit-${i}`, name: `单位 ${i}`, jurisdiction: '350624' } } as Command,
  })),
  {
    actor: CITY,
    command: {
      type: 'planRound',
      data: { roundId: 'bench-round', title: '专项巡察', kind: 'special', theme: 'grain', targets: Array.from({ length: units }, (_, i) => `bench-unit-${i}`) },
    },
  },
  { actor: CITY, command: { type: 'launchRound', data: { roundId: 'bench-round' } } },
  {
    actor: CITY,
    command: {
      type: 'formTeam',
      data: { teamId: 'bench-team', roundId: 'bench-round', leader: { personId: 'p-1', homeJurisdiction: '350600' }, members: [] },
    },
  },
  {
    actor: CITY,
    command: { type: 'stationTeam', data: { teamId: 'bench-team', unitIds: Array.from({ length: units }, (_, i) => `bench-unit-${i}`) } },
  },
];

export const recordIssue = (n: number, units: number): Command => ({
  type: 'recordIssue',
  data: {
    issueId: `bench-issue-${n}`,
    roundId: 'bench-round',
    teamId: 'bench-team',
    unitId: `bench-unit-${n % units}`,
    category: 'grain',
    summary: `粮库问题 ${n}：账实不符，需核查`,
  },
});

/**
 * command_throughput: recordIssue commands through Nest's CommandBus (the path HTTP uses after
 * validation and authentication), each loading four streams, deciding and appending one event
 * with a durable commit. Relays and projections are stopped so that only the command path is timed.
 */
export const benchCommandThroughput = async (): Promise<BenchResult[]> =>
  withScratchDir('command', async (dataDir) => {
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
    try {
      const units = 50;
      for (const { command, actor } of cityRoundSetup(units)) await commands.execute(new RunCommand(command, actor));
      const warmup = 2_000;
      for (let n = 0; n < warmup; n++) await commands.execute(new RunCommand(recordIssue(n, units), TEAM));
      const measured = 20_000;
      const started = performance.now();
      for (let n = warmup; n < warmup + measured; n++) await commands.execute(new RunCommand(recordIssue(n, units), TEAM));
      const seconds = (performance.now() - started) / 1000;
      return [
        {
          name: 'command_throughput',
          value: round(measured / seconds),
          unit: 'commands/s',
          detail: `${measured} recordIssue commands via CommandBus on SQLite (WAL, synchronous=NORMAL: no acknowledged event lost on process crash), each reading 4 streams and appending 1 event in its own transaction; relays and projections stopped`,
        },
      ];
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
