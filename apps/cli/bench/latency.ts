import { join } from 'node:path';
import type { Actor, Command } from '#domain';
import { LEVELS } from '#domain';
import { InprocBus } from '#bus/adapters';
import { LinkageRuntime, metadataOf, openChainedSqliteStore, systemClock } from '#linkage';
import type { BenchResult } from './result.js';
import { percentile, round, withScratchDir } from './scratch.js';

const COUNTY: Actor = { id: 'za-office', jurisdiction: '350624', role: 'leading-group' };
const COUNTY_TEAM: Actor = { id: 'za-team', jurisdiction: '350624', role: 'team' };

const setup: Command[] = [
  { type: 'registerUnit', data: { unitId: 'za-depot', name: '诏安县中心粮库', jurisdiction: '350624' } },
  { type: 'planRound', data: { roundId: 'za-round', title: '涉粮专项巡察', kind: 'special', theme: 'grain', targets: ['za-depot'] } },
  { type: 'launchRound', data: { roundId: 'za-round' } },
  { type: 'formTeam', data: { teamId: 'za-team-1', roundId: 'za-round', leader: { personId: 'za-leader', homeJurisdiction: '350624' }, members: [] } },
  { type: 'stationTeam', data: { teamId: 'za-team-1', unitIds: ['za-depot'] } },
];

/**
 * county_to_province_p50_ms / _p99_ms: the embedded default under a steady, open-loop load of county
 * commands; for each, the time from the county accepting it to the province read model (which the
 * province report reads) having projected the fact received through relay, bus and inbox.
 * county_to_province_from_schedule_p99_ms times the same from when the command was due.
 */
export const benchCountyToProvince = async (commandsPerSecond = 500, seconds = 10): Promise<BenchResult[]> =>
  withScratchDir('latency', async (dataDir) => {
    const runtime = await LinkageRuntime.start({
      levels: LEVELS,
      clock: systemClock,
      bus: new InprocBus(),
      openStore: (level) => openChainedSqliteStore(join(dataDir, `${level}.events.db`)),
      dataDir,
    });
    try {
      const county = runtime.node('county')!;
      const province = runtime.node('province')!;
      for (const command of setup) await county.service.execute({ command, actor: COUNTY });
      await runtime.settle();

      const acceptedAt = new Map<string, number>();
      const latencies: number[] = [];
      let seen = await province.service.store.headPosition();
      const stopWatching = province.projections.onChange((position) => {
        void (async () => {
          const now = performance.now();
          const facts = await province.service.store.readAll({ after: seen, limit: 100_000 });
          seen = Math.max(seen, position);
          for (const fact of facts) {
            if (fact.position > position) break;
            const source = metadataOf(fact).origin?.eventId;
            const started = source !== undefined ? acceptedAt.get(source) : undefined;
            if (started !== undefined) {
              latencies.push(now - started);
              sinceScheduled.push(now - scheduledAt.get(source!)!);
              acceptedAt.delete(source!);
            }
          }
        })();
      });

      // Open loop, as clients are: every millisecond tick issues the commands due by then without
      // waiting for the ones before (a loop that awaited each command would issue the next ones late,
      // in a burst, whenever the level fell behind, and count none of that lateness).
      const total = commandsPerSecond * seconds;
      const interval = 1000 / commandsPerSecond;
      const scheduledAt = new Map<string, number>();
      const sinceScheduled: number[] = [];
      const inFlight: Promise<void>[] = [];
      const begin = performance.now();
      await new Promise<void>((allIssued) => {
        let next = 0;
        const tick = (): void => {
          const now = performance.now();
          for (; next < total && begin + next * interval <= now; next++) {
            const n = next;
            inFlight.push(
              county.service
                .execute({
                  command: { type: 'recordIssue', data: { issueId: `za-issue-${n}`, roundId: 'za-round', teamId: 'za-team-1', unitId: 'za-depot', category: 'grain', summary: `问题 ${n}` } },
                  actor: COUNTY_TEAM,
                })
                .then((outcome) => {
                  const eventId = outcome.events[0]!.eventId;
                  acceptedAt.set(eventId, performance.now());
                  scheduledAt.set(eventId, begin + n * interval);
                }),
            );
          }
          if (next < total) setTimeout(tick, 1);
          else allIssued();
        };
        tick();
      });
      await Promise.all(inFlight);
      const achieved = total / ((performance.now() - begin) / 1000);
      await runtime.settle();
      await new Promise((resolve) => setTimeout(resolve, 50));
      stopWatching();
      latencies.sort((a, b) => a - b);
      sinceScheduled.sort((a, b) => a - b);
      const detail = `${latencies.length}/${total} county recordIssue commands issued open-loop at ${round(achieved)} commands/s (target ${commandsPerSecond}), embedded default on SQLite with the in-process bus; accepted at the county → projected in the province read model`;
      return [
        { name: 'county_to_province_p50_ms', value: round(percentile(latencies, 50), 2), unit: 'ms', detail },
        { name: 'county_to_province_p99_ms', value: round(percentile(latencies, 99), 2), unit: 'ms', detail },
        {
          name: 'county_to_province_from_schedule_p99_ms',
          value: round(percentile(sinceScheduled, 99), 2),
          unit: 'ms',
          detail: 'the same facts, timed from when each command was due to be issued: what a client waiting for its fact upstream sees, queueing at the county included',
        },
      ];
    } finally {
      await runtime.stop();
    }
  });
