import type { Actor, CommandType } from '#domain';
import type { ScenarioTarget, TargetResponse } from '#scenario';

/**
 * A generated linked inspection across the province, one city and several of its counties, in
 * phases. Within a phase every chain is independent of every other (its commands touch other
 * aggregates); a chain's own commands run in order; a phase needs facts of earlier phases to have
 * crossed levels, so the driver settles every level between phases. Every command is accepted on a
 * healthy system, and every one is idempotent by id (a repeat is refused as recorded already), so
 * a command whose answer was lost can be sent again without counting twice.
 */

export interface WorkloadCommand {
  readonly as: Actor;
  readonly do: CommandType;
  readonly with: Record<string, unknown>;
}

export interface Phase {
  readonly name: string;
  readonly chains: readonly (readonly WorkloadCommand[])[];
}

export interface Workload {
  readonly phases: readonly Phase[];
  readonly commands: number;
  readonly province: string;
  readonly city: string;
  readonly counties: readonly string[];
  readonly roundIds: { readonly province: string; readonly city: string; readonly counties: readonly string[] };
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const DUE = '2024-09-30T00:00:00+08:00';

export interface WorkloadOptions {
  readonly seed: number;
  /** Issues each county team records (the bulk of the workload); varied ±20 % by the seed. */
  readonly issuesPerCounty: number;
  /** Issues the city team for a county records at the city's units there. */
  readonly cityIssuesPerCounty: number;
  readonly counties?: readonly string[];
}

export const generateWorkload = (options: WorkloadOptions): Workload => {
  const random = seededRandom(options.seed);
  const province = '350000';
  const city = '350600';
  const counties = options.counties ?? ['350602', '350603', '350622', '350624'];
  const leading = (jurisdiction: string): Actor => ({ id: `lg-${jurisdiction}`, jurisdiction, role: 'leading-group' });
  const team = (jurisdiction: string): Actor => ({ id: `team-${jurisdiction}`, jurisdiction, role: 'team' });
  const unitRole = (jurisdiction: string): Actor => ({ id: `unit-${jurisdiction}`, jurisdiction, role: 'unit' });
  const command = (as: Actor, type: CommandType, data: Record<string, unknown>): WorkloadCommand => ({ as, do: type, with: data });
  const single = (commands: WorkloadCommand[]): WorkloadCommand[][] => commands.map((item) => [item]);

  const provinceRound = 'chaos-province-round';
  const cityRound = 'chaos-city-round';
  const countyRound = (county: string) => `chaos-round-${county}`;
  const countyUnits = (county: string) => Array.from({ length: 6 }, (_, index) => `chaos-unit-${county}-${index + 1}`);
  const cityUnits = (county: string) => Array.from({ length: 3 }, (_, index) => `chaos-city-unit-${county}-${index + 1}`);
  const issuesOf = new Map(counties.map((county) => [county, Math.round(options.issuesPerCounty * (0.8 + 0.4 * random()))]));
  const countyIssue = (county: string, n: number) => `chaos-issue-${county}-${n}`;
  const cityIssue = (county: string, n: number) => `chaos-city-issue-${county}-${n}`;
  const provinceIssues = 40;

  const phases: Phase[] = [];
  phases.push({
    name: 'units and the province round',
    chains: [
      [
        command(leading(province), 'registerUnit', { unitId: 'chaos-province-bureau', name: '省直单位', jurisdiction: province, kind: 'department' }),
        command(leading(province), 'planRound', {
          roundId: provinceRound,
          title: '联动专项巡视',
          kind: 'special',
          theme: 'chaos',
          linkage: 'linked',
          targets: ['chaos-province-bureau'],
        }),
        command(leading(province), 'launchRound', { roundId: provinceRound }),
        command(leading(province), 'formTeam', {
          teamId: 'chaos-province-team',
          roundId: provinceRound,
          leader: { personId: 'p-leader', homeJurisdiction: province },
          members: [{ personId: 'p-member', homeJurisdiction: province }],
        }),
        command(leading(province), 'stationTeam', { teamId: 'chaos-province-team', unitIds: ['chaos-province-bureau'] }),
      ],
      ...counties.flatMap((county) =>
        single(countyUnits(county).map((unitId) => command(leading(county), 'registerUnit', { unitId, name: unitId, jurisdiction: county, kind: 'soe' }))),
      ),
      ...counties.flatMap((county) =>
        single(cityUnits(county).map((unitId) => command(leading(city), 'registerUnit', { unitId, name: unitId, jurisdiction: county, kind: 'department' }))),
      ),
    ],
  });
  phases.push({
    name: 'the city round, the province task and issues',
    chains: [
      [
        command(leading(city), 'planRound', {
          roundId: cityRound,
          title: '联动专项巡察',
          kind: 'special',
          theme: 'chaos',
          linkage: 'linked',
          parentRoundId: provinceRound,
          targets: counties.flatMap(cityUnits),
        }),
        command(leading(city), 'launchRound', { roundId: cityRound }),
        ...counties.flatMap((county) => [
          command(leading(city), 'formTeam', {
            teamId: `chaos-city-team-${county}`,
            roundId: cityRound,
            leader: { personId: `c-leader-${county}`, homeJurisdiction: city },
            members: [],
          }),
          command(leading(city), 'stationTeam', { teamId: `chaos-city-team-${county}`, unitIds: cityUnits(county) }),
        ]),
      ],
      [command(leading(province), 'assignTask', { taskId: 'chaos-task-city', toJurisdiction: city, kind: 'linked-inspection', title: '开展联动巡察', roundId: provinceRound, dueBy: DUE })],
      ...single(
        Array.from({ length: provinceIssues }, (_, n) =>
          command(team(province), 'recordIssue', {
            issueId: `chaos-province-issue-${n + 1}`,
            roundId: provinceRound,
            teamId: 'chaos-province-team',
            unitId: 'chaos-province-bureau',
            category: 'grain',
            summary: `省级问题 ${n + 1}`,
          }),
        ),
      ),
    ],
  });
  phases.push({
    name: 'county rounds, tasks passed down, city issues',
    chains: [
      ...counties.map((county) => [
        command(leading(county), 'planRound', {
          roundId: countyRound(county),
          title: '联动巡察',
          kind: 'special',
          theme: 'chaos',
          linkage: 'linked',
          parentRoundId: cityRound,
          targets: countyUnits(county),
        }),
        command(leading(county), 'launchRound', { roundId: countyRound(county) }),
        command(leading(county), 'formTeam', {
          teamId: `chaos-team-${county}`,
          roundId: countyRound(county),
          leader: { personId: `k-leader-${county}`, homeJurisdiction: county },
          members: [{ personId: `k-member-${county}`, homeJurisdiction: county }],
        }),
        command(leading(county), 'stationTeam', { teamId: `chaos-team-${county}`, unitIds: countyUnits(county) }),
      ]),
      [
        command(leading(city), 'acceptTask', { taskId: 'chaos-task-city' }),
        ...counties.map((county) =>
          command(leading(city), 'assignTask', { taskId: `chaos-task-${county}`, toJurisdiction: county, kind: 'linked-inspection', title: '开展联动巡察', roundId: cityRound, dueBy: DUE }),
        ),
      ],
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: options.cityIssuesPerCounty }, (_, n) =>
            command(team(city), 'recordIssue', {
              issueId: cityIssue(county, n + 1),
              roundId: cityRound,
              teamId: `chaos-city-team-${county}`,
              unitId: cityUnits(county)[n % 3]!,
              category: 'grain',
              summary: `市级问题 ${n + 1}`,
              immediate: n % 7 === 0,
            }),
          ),
        ),
      ),
    ],
  });
  phases.push({
    name: 'county issues, tasks accepted, rectifications required by the city',
    chains: [
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: issuesOf.get(county)! }, (_, n) =>
            command(team(county), 'recordIssue', {
              issueId: countyIssue(county, n + 1),
              roundId: countyRound(county),
              teamId: `chaos-team-${county}`,
              unitId: countyUnits(county)[n % 6]!,
              category: n % 3 === 0 ? 'grain' : 'funds',
              summary: `县级问题 ${n + 1}`,
              immediate: n % 5 === 0,
            }),
          ),
        ),
      ),
      ...counties.map((county) => [command(leading(county), 'acceptTask', { taskId: `chaos-task-${county}` })]),
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: options.cityIssuesPerCounty }, (_, n) =>
            command(leading(city), 'requireRectification', {
              rectificationId: `chaos-city-fix-${county}-${n + 1}`,
              issueId: cityIssue(county, n + 1),
              unitId: cityUnits(county)[n % 3]!,
              dueBy: DUE,
            }),
          ),
        ),
      ),
      ...single(
        Array.from({ length: provinceIssues }, (_, n) =>
          command(leading(province), 'requireRectification', {
            rectificationId: `chaos-province-fix-${n + 1}`,
            issueId: `chaos-province-issue-${n + 1}`,
            unitId: 'chaos-province-bureau',
            dueBy: DUE,
          }),
        ),
      ),
    ],
  });
  phases.push({
    name: 'county rectifications, escalations, clues; the county completes what the city required',
    chains: [
      ...counties.flatMap((county) =>
        Array.from({ length: issuesOf.get(county)! }, (_, n): WorkloadCommand[] => {
          const chain: WorkloadCommand[] = [];
          const issueId = countyIssue(county, n + 1);
          if (n % 3 !== 2) {
            chain.push(command(leading(county), 'requireRectification', { rectificationId: `chaos-fix-${county}-${n + 1}`, issueId, unitId: countyUnits(county)[n % 6]!, dueBy: DUE }));
          }
          if (n % 10 === 0) chain.push(command(leading(county), 'escalateFinding', { issueId, toJurisdiction: city, note: '涉及市管单位' }));
          if (n % 8 === 0) {
            chain.push(
              command(team(county), 'transferClue', {
                clueId: `chaos-clue-${county}-${n + 1}`,
                roundId: countyRound(county),
                teamId: `chaos-team-${county}`,
                issueId,
                recipient: n % 16 === 0 ? 'discipline' : 'organization',
                summary: `线索 ${n + 1}`,
              }),
            );
          }
          return chain;
        }).filter((chain) => chain.length > 0),
      ),
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: options.cityIssuesPerCounty }, (_, n) =>
            command(unitRole(county), 'completeRectification', { rectificationId: `chaos-city-fix-${county}-${n + 1}` }),
          ),
        ),
      ),
      ...counties.flatMap((county) => single(cityUnits(county).map((unitId) => command(leading(city), 'deliverFeedback', { roundId: cityRound, unitId })))),
    ],
  });
  phases.push({
    name: 'the city adopts escalated findings; rectifications and tasks completed',
    chains: [
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: issuesOf.get(county)! }, (_, n) => n)
            .filter((n) => n % 10 === 0)
            .map((n) => command(leading(city), 'adoptFinding', { issueId: countyIssue(county, n + 1), roundId: cityRound })),
        ),
      ),
      ...counties.flatMap((county) =>
        single(
          Array.from({ length: issuesOf.get(county)! }, (_, n) => n)
            .filter((n) => n % 3 !== 2 && n % 4 !== 3)
            .map((n) => command(unitRole(county), 'completeRectification', { rectificationId: `chaos-fix-${county}-${n + 1}` })),
        ),
      ),
      ...counties.map((county) => [command(leading(county), 'completeTask', { taskId: `chaos-task-${county}`, result: '完成' })]),
      ...single(
        Array.from({ length: provinceIssues }, (_, n) => n)
          .filter((n) => n % 2 === 0)
          .map((n) => command(leading(province), 'completeRectification', { rectificationId: `chaos-province-fix-${n + 1}` })),
      ),
    ],
  });
  phases.push({
    name: 'rounds closed, reports submitted',
    chains: [
      ...counties.map((county) => [command(leading(county), 'closeRound', { roundId: countyRound(county) })]),
      [command(leading(city), 'completeTask', { taskId: 'chaos-task-city', result: '完成' })],
      [command(leading(province), 'submitSpecialReport', { reportId: 'chaos-special-report', roundId: provinceRound, theme: 'chaos', recipients: ['省委'] })],
    ],
  });
  const commands = phases.reduce((sum, phase) => sum + phase.chains.reduce((inPhase, chain) => inPhase + chain.length, 0), 0);
  return {
    phases,
    commands,
    province,
    city,
    counties,
    roundIds: { province: provinceRound, city: cityRound, counties: counties.map(countyRound) },
  };
};

/** Refusals that mean "this fact is recorded already": the answer to a repeat of an accepted command. */
const ALREADY = new Set(['AlreadyRegistered', 'AlreadyRecorded', 'AlreadyCompleted', 'AlreadyEscalated', 'AlreadyAdopted', 'TaskAlreadyAccepted']);

export interface DriveOptions {
  /** Chains in flight at once. */
  readonly concurrency: number;
  /** Domain time of every command (the same in every run, so views compare). */
  readonly occurredAt: string;
  /**
   * Send a command again when its answer was lost (connection refused or reset, timeout, 5xx)
   * until this deadline; a repeat refused as recorded already then counts as accepted. Without it,
   * anything but acceptance fails the run.
   */
  readonly retryUntil?: number;
  /** Called with the number of commands sent so far, before each new command (chaos hooks). */
  readonly onCommand?: (sent: number) => void;
}

export interface DriveResult {
  readonly accepted: number;
  /** Commands whose first answer was lost and whose repeat found them recorded. */
  readonly acceptedOnRepeat: number;
  /** Attempts that failed for lack of an answer and were retried. */
  readonly retried: number;
}

const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/** Runs the workload phase by phase through `target`, settling every level after each phase. */
export const driveWorkload = async (workload: Workload, target: ScenarioTarget, options: DriveOptions): Promise<DriveResult> => {
  const tokens = new Map<string, Promise<string>>();
  const bearer = (actor: Actor): Promise<string> => {
    const key = `${actor.id}|${actor.jurisdiction}|${actor.role}`;
    if (!tokens.has(key)) tokens.set(key, target.mint(actor));
    return tokens.get(key)!;
  };
  let sent = 0;
  let accepted = 0;
  let acceptedOnRepeat = 0;
  let retried = 0;

  const run = async (item: WorkloadCommand): Promise<void> => {
    options.onCommand?.(sent);
    sent += 1;
    const level = target.levelOf(item.as.jurisdiction);
    const headers = { authorization: `Bearer ${await bearer(item.as)}`, 'x-occurred-at': options.occurredAt };
    let uncertain = false;
    for (let attempt = 1, pause = 50; ; attempt++, pause = Math.min(pause * 2, 1_000)) {
      let response: TargetResponse | undefined;
      let failure = '';
      try {
        response = await target.command(level, `/v1/commands/${item.do}`, item.with, headers);
      } catch (error) {
        failure = String((error as Error & { cause?: unknown }).cause ?? error);
      }
      if (response && response.status < 300) {
        accepted += 1;
        return;
      }
      const title = response && response.status >= 400 && response.status < 500 ? (JSON.parse(response.body) as { title?: string }).title : undefined;
      if (title !== undefined && uncertain && ALREADY.has(title)) {
        accepted += 1;
        acceptedOnRepeat += 1;
        return;
      }
      // A concurrent change is a refusal that wrote nothing; anything else in 4xx is a real refusal.
      const lost = response === undefined || response.status >= 500 || title === 'ConcurrentChange';
      if (!lost || options.retryUntil === undefined || Date.now() > options.retryUntil) {
        throw new Error(`${item.do} as ${item.as.id} (${JSON.stringify(item.with)}): ${response ? `${response.status} ${response.body}` : failure} after ${attempt} attempts`);
      }
      // Refused before it reached the service (nothing listening): certainly not applied.
      if (!(response === undefined && /ECONNREFUSED/.test(failure)) && title !== 'ConcurrentChange') uncertain = true;
      retried += 1;
      await sleep(pause);
    }
  };

  for (const phase of workload.phases) {
    const queue = [...phase.chains];
    const worker = async (): Promise<void> => {
      for (let chain = queue.shift(); chain; chain = queue.shift()) for (const item of chain) await run(item);
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    await target.settle();
  }
  return { accepted, acceptedOnRepeat, retried };
};
