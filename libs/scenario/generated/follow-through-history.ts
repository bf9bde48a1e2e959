import { createHash, randomUUID } from 'node:crypto';
import type { Actor, Command, DomainEvent, EventMetadata, Jurisdiction, Level, RectificationStatus, Role, World } from '#domain';
import { INTEGRATION_SCHEMA, RECTIFICATION_STATUSES, audienceOf, decide, emptyWorld, evolve, publicData, streamOf } from '#domain';
import type { EventStore, ExpectedRevision, NewEvent } from '#event-store';
import { loadReferenceRegistry } from '#linkage';
import { newEventId } from '#event-store';

/**
 * A city level's store after six years of linked inspection with its follow-through (DESIGN.md §8):
 * every year the province, each of Fujian's 10 cities and 82 counties run a linked round (county
 * rounds below their city's, city rounds below the province's), their teams find issues at the
 * units, the owners require rectifications, units claim and complete them, owners verify (销号) or
 * send them back, each city's look-back round (回头看) reassesses the year before, issues are handed
 * over (移交) and answered, supervised (督办), clues transferred and disposed, officials talked to,
 * tasks passed down.
 *
 * Every command is decided by the real deciders (`decide`) against a World holding everything
 * decided so far, in domain-time order, so every fact carries what the catalogue would give it
 * (attempt numbers, what a verdict's judge knew, refusals impossible). The store receives what the
 * city level holds: the facts its cities record, and those of the province and the counties whose
 * audience includes the city level (`audienceOf`), in their public form (`publicData`: a responsible
 * leader stays at the level that recorded the claim) with an origin, as its inbox records them.
 *
 * Each rectification is given the status it must end in, so that the store holds `perStatus` of
 * each (required, planned, completed, closed, reopened); older cohorts are mostly closed or
 * reopened, recent ones mostly open. Times are domain times between 2019 and HISTORY_END.
 */

/** The end of the generated history: what `overdue` is measured against in the benchmarks. */
export const FOLLOW_THROUGH_HISTORY_END = '2025-06-30T16:00:00.000Z';
export const FOLLOW_THROUGH_YEARS = [2019, 2020, 2021, 2022, 2023, 2024] as const;
/** The level whose store this is. */
export const FOLLOW_THROUGH_LEVEL: Level = 'city';

export interface FollowThroughHistory {
  /** Events written to the store. */
  readonly events: number;
  /** Events decided in the whole province (the store holds those addressed to the city level). */
  readonly decided: number;
  readonly rectifications: Readonly<Record<RectificationStatus, number>>;
  readonly issues: number;
  readonly handovers: number;
  readonly rounds: number;
  readonly units: number;
  readonly historyEnd: string;
}

export interface FollowThroughOptions {
  /** Rectifications that end in each status (the store then holds five times as many). */
  readonly perStatus: number;
  /** Appends per SQLite transaction (1: one append per transaction, as a running level writes). */
  readonly appendsPerTransaction?: number;
  readonly seed?: number;
  readonly onProgress?: (events: number) => void;
}

const DAY = 86_400_000;
const END = Date.parse(FOLLOW_THROUGH_HISTORY_END);
const at = (year: number, month: number, day: number, hour = 1): number => Date.UTC(year, month - 1, day, hour);

/**
 * Shares of each year's rectifications per final status (rows: years, columns: statuses in
 * RECTIFICATION_STATUSES order): the shape below, scaled (Sinkhorn) so that every year sums to 1 and
 * every status to the same total.
 */
const STATUS_SHAPE: readonly (readonly number[])[] = [
  [0.3, 0.4, 0.8, 2.5, 1.8],
  [0.4, 0.6, 0.9, 2.0, 1.6],
  [0.6, 0.8, 1.0, 1.6, 1.3],
  [1.0, 1.1, 1.1, 1.2, 1.0],
  [1.6, 1.5, 1.2, 0.9, 0.7],
  [3.0, 2.0, 1.2, 0.5, 0.3],
];

const statusShares = (): number[][] => {
  const shares = STATUS_SHAPE.map((row) => [...row]);
  const columnTotal = shares.length / RECTIFICATION_STATUSES.length;
  for (let pass = 0; pass < 200; pass++) {
    for (const row of shares) {
      const sum = row.reduce((a, b) => a + b, 0);
      for (let s = 0; s < row.length; s++) row[s]! /= sum;
    }
    for (let s = 0; s < RECTIFICATION_STATUSES.length; s++) {
      const sum = shares.reduce((total, row) => total + row[s]!, 0);
      for (const row of shares) row[s]! *= columnTotal / sum;
    }
  }
  return shares;
};

/** mulberry32: the same history on every run. */
const randomSource = (seed: number) => {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    below: (n: number): number => Math.floor(next() * n),
    between: (low: number, high: number): number => low + next() * (high - low),
    chance: (p: number): boolean => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      let r = next() * items.reduce((sum, [, weight]) => sum + weight, 0);
      for (const [item, weight] of items) if ((r -= weight) < 0) return item;
      return items[items.length - 1]![0];
    },
  };
};
type Random = ReturnType<typeof randomSource>;

/** Pending decisions in domain-time order (ties in the order they were scheduled). */
class Agenda {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly actions: (() => void)[] = [];
  private seq = 0;

  get size(): number {
    return this.times.length;
  }

  add(time: number, action: () => void): void {
    const { times, seqs, actions } = this;
    let index = times.length;
    times.push(time);
    seqs.push(this.seq++);
    actions.push(action);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(index, parent)) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  /** The earliest pending time; undefined when empty. */
  peek(): number | undefined {
    return this.times[0];
  }

  pop(): () => void {
    const { times, seqs, actions } = this;
    const action = actions[0]!;
    const last = times.length - 1;
    this.swap(0, last);
    times.pop();
    seqs.pop();
    actions.pop();
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < times.length && this.less(left, smallest)) smallest = left;
      if (right < times.length && this.less(right, smallest)) smallest = right;
      if (smallest === index) return action;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private less(a: number, b: number): boolean {
    return this.times[a]! < this.times[b]! || (this.times[a] === this.times[b] && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    const { times, seqs, actions } = this;
    [times[a], times[b]] = [times[b]!, times[a]!];
    [seqs[a], seqs[b]] = [seqs[b]!, seqs[a]!];
    [actions[a], actions[b]] = [actions[b]!, actions[a]!];
  }
}

const UNIT_KINDS = [
  ['人民政府', 'government'],
  ['发展和改革局', 'department'],
  ['财政局', 'department'],
  ['自然资源局', 'department'],
  ['农业农村局', 'department'],
  ['教育局', 'department'],
  ['卫生健康局', 'department'],
  ['住房和城乡建设局', 'department'],
  ['交通运输局', 'department'],
  ['水利局', 'department'],
  ['民政局', 'department'],
  ['医疗保障局', 'department'],
  ['粮食和物资储备局', 'department'],
  ['市场监督管理局', 'department'],
  ['生态环境局', 'department'],
  ['人力资源和社会保障局', 'department'],
  ['国有资产投资集团有限公司', 'soe'],
  ['城市建设投资集团有限公司', 'soe'],
  ['中心粮库', 'soe'],
  ['乡村振兴局', 'department'],
  ['林业局', 'department'],
  ['文化和旅游局', 'department'],
  ['应急管理局', 'department'],
  ['审计局', 'department'],
] as const;
const COUNTY_UNITS = 25;
const CITY_UNITS = 16;

const THEMES = ['grain', 'poverty', 'ecology', 'medical-insurance', 'land', 'funds'] as const;
const CATEGORIES: readonly (readonly [string, string])[] = [
  ['grain', '粮食购销领域账实不符、以陈顶新'],
  ['poverty', '扶贫项目资金使用不规范、闲置浪费'],
  ['ecology', '生态环境问题整改不到位、虚假整改'],
  ['medical-insurance', '医保基金监管不严、违规报销'],
  ['land', '违规占用耕地、土地出让金收缴不到位'],
  ['funds', '专项资金拨付滞后、挤占挪用'],
  ['procurement', '政府采购和工程招投标程序不规范'],
  ['work-style', '违反中央八项规定精神、形式主义官僚主义'],
  ['party-building', '基层党组织建设薄弱、"三会一课"流于形式'],
  ['housing-safety', '农村危房改造质量把关不严'],
];
const MEASURES = [
  '召开专题民主生活会，逐项明确整改责任人和时限',
  '全面清理核查，追回违规资金并退还群众',
  '建立健全制度，堵塞管理漏洞',
  '举一反三开展专项治理，防止问题反弹',
  '对相关责任人依规依纪严肃问责',
  '加强日常监督检查，建立长效机制',
];
const REJECTION_REASONS = ['未提供整改佐证材料', '违规资金尚未全部追回', '整改措施未落实到位', '制度建设流于形式'];
const RECIPIENTS = [
  ['discipline', 6],
  ['organization', 2],
  ['finance', 2],
  ['audit', 1],
  ['judicial', 1],
  ['propaganda', 0.5],
] as const;

interface UnitInfo {
  readonly unitId: string;
  readonly name: string;
  readonly jurisdiction: string;
}
/** The look-back round (回头看) of a city over its round of the year before. */
interface LookBack {
  readonly roundId: string;
  readonly owner: string;
  readonly year: number;
}
const lookBackOf = (city: string, year: number): LookBack => ({ roundId: `${city}-${year}-lb`, owner: city, year });

interface RoundInfo {
  readonly roundId: string;
  readonly owner: string;
  readonly year: number;
  readonly theme: string;
  readonly targets: readonly UnitInfo[];
  /** The team stationed at each target. */
  readonly teamAt: Map<string, string>;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const iso = (time: number): string => new Date(time).toISOString();
/** A due date: midnight, Beijing time, `days` after `from`. */
const dueAfter = (from: number, days: number): number => Math.floor((from + days * DAY) / DAY) * DAY + 16 * 3_600_000;

interface BatchAppender {
  appendMany(appends: readonly { readonly streamId: string; readonly expected: ExpectedRevision; readonly events: readonly NewEvent[] }[]): Promise<unknown>;
}

const batchAppenderOf = (store: EventStore): BatchAppender | undefined =>
  typeof (store as Partial<BatchAppender>).appendMany === 'function' ? (store as unknown as BatchAppender) : undefined;

/** Generates the history into `store`, deciding every command with the real deciders. */
export const generateFollowThroughHistory = async (store: EventStore, options: FollowThroughOptions): Promise<FollowThroughHistory> => {
  const random: Random = randomSource(options.seed ?? 20_190_101);
  const registry = loadReferenceRegistry();
  const world: World = emptyWorld();
  const agenda = new Agenda();
  // Many appends in one transaction where the store offers it (the SQLite store does): a history of
  // two million facts is written in minutes instead of an hour.
  const batching = batchAppenderOf(store);
  const perTransaction = batching ? (options.appendsPerTransaction ?? 1) : 1;
  const pending: { streamId: string; expected: ExpectedRevision; events: NewEvent[] }[] = [];
  const revisions = new Map<string, number>();
  const sourcePositions: Record<Level, number> = { province: 0, city: 0, county: 0 };
  const here = FOLLOW_THROUGH_LEVEL;
  let written = 0;
  let decided = 0;
  let clock = at(2019, 1, 1);

  const flush = async (): Promise<void> => {
    if (pending.length > 0) await batching!.appendMany(pending.splice(0));
  };

  /** Stores one decided fact if the city level holds it. */
  const record = async (event: DomainEvent, actor: Actor, occurredAt: string): Promise<void> => {
    const level = registry.get(actor.jurisdiction)!.level;
    const received = level !== here;
    if (received && !audienceOf(event, actor.jurisdiction, level, registry).includes(here)) return;
    const stored = received ? publicData(event) : event;
    const streamId = streamOf(stored);
    const current = revisions.get(streamId);
    const revision = (current ?? -1) + 1;
    revisions.set(streamId, revision);
    const metadata: EventMetadata = {
      eventId: newEventId(),
      actor,
      jurisdiction: actor.jurisdiction,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt,
      recordedAt: received ? iso(Date.parse(occurredAt) + 2_000) : occurredAt,
      ...(received
        ? { origin: { level, eventId: newEventId(), streamId, revision, position: ++sourcePositions[level], schema: INTEGRATION_SCHEMA } }
        : {}),
    };
    const append = { streamId, expected: current === undefined ? ('no-stream' as const) : current, events: [{ id: metadata.eventId, type: stored.type, data: stored.data, metadata }] };
    written++;
    if (options.onProgress && written % 50_000 === 0) options.onProgress(written);
    if (perTransaction <= 1) {
      await store.append(append.streamId, append.expected, append.events);
      return;
    }
    pending.push(append);
    if (pending.length >= perTransaction) await flush();
  };

  const recordQueue: { event: DomainEvent; actor: Actor; occurredAt: string }[] = [];
  /** Decides a command now (domain time `clock`) as `actor`: a refusal is a bug of this generator. */
  const run = (actor: Actor, command: Command): void => {
    const now = iso(clock);
    const events = decide(command, world, { actor, now, registry });
    for (const event of events) {
      evolve(world, event, now);
      recordQueue.push({ event, actor, occurredAt: now });
    }
    decided += events.length;
  };
  const schedule = (time: number, action: () => void): void => {
    if (time < clock) throw new Error(`scheduled in the past: ${iso(time)} < ${iso(clock)}`);
    if (time < END) agenda.add(time, action);
  };
  const actor = (jurisdiction: string, role: Role): Actor => ({ id: `${jurisdiction}-${role}`, jurisdiction, role });

  // Units: each county's party committee (u-<code>-0) and 24 bodies; each city's 16.
  // Fujian's history: the registry holds the whole country, the generated history one province.
  const jurisdictions = registry.all().filter((entry) => registry.isSelfOrAncestor('350000', entry.code));
  const cities = jurisdictions.filter((entry) => entry.level === 'city');
  const countiesOf = (city: Jurisdiction) => registry.childrenOf(city.code).map((code) => registry.get(code)!);
  const unitsOf = new Map<string, UnitInfo[]>();
  const registerUnits = (owner: Jurisdiction, count: number) => {
    const units: UnitInfo[] = [];
    for (let index = 0; index < count; index++) {
      const unitId = `u-${owner.code}-${index}`;
      const [suffix, kind] = index === 0 ? [`委员会`, 'party-committee'] : UNIT_KINDS[index - 1]!;
      const name = index === 0 ? `中共${owner.name}${suffix}` : `${owner.name}${suffix}`;
      run(actor(owner.code, 'leading-group'), { type: 'registerUnit', data: { unitId, name, jurisdiction: owner.code, kind } });
      units.push({ unitId, name, jurisdiction: owner.code });
    }
    unitsOf.set(owner.code, units);
  };
  for (const city of cities) {
    registerUnits(city, CITY_UNITS);
    for (const county of countiesOf(city)) registerUnits(county, COUNTY_UNITS);
  }

  const shares = statusShares();
  const perYear = Math.ceil((options.perStatus * RECTIFICATION_STATUSES.length) / FOLLOW_THROUGH_YEARS.length);
  const intended = new Map<string, RectificationStatus>();
  const counts = Object.fromEntries(RECTIFICATION_STATUSES.map((status) => [status, 0])) as Record<RectificationStatus, number>;
  let issueCount = 0;
  let handoverCount = 0;
  let roundCount = 0;

  /** Plans, launches and staffs a round; its teams take petitions; closes it at `closeAt` (if before the end). */
  const openRound = (
    owner: string,
    roundId: string,
    year: number,
    plannedAt: number,
    targets: UnitInfo[],
    shape: { kind: 'special' | 'look-back'; theme: string; parentRoundId?: string; lookBackOf?: string; teams: number; closeAt: number; title: string },
  ): RoundInfo => {
    const info: RoundInfo = { roundId, owner, year, theme: shape.theme, targets, teamAt: new Map() };
    roundCount++;
    const leadingGroup = actor(owner, 'leading-group');
    schedule(plannedAt, () =>
      run(leadingGroup, {
        type: 'planRound',
        data: {
          roundId,
          title: shape.title,
          kind: shape.kind,
          theme: shape.theme,
          ...(shape.parentRoundId !== undefined ? { parentRoundId: shape.parentRoundId, linkage: 'linked' as const } : {}),
          ...(shape.lookBackOf !== undefined ? { lookBackOf: shape.lookBackOf } : {}),
          targets: targets.map((unit) => unit.unitId),
        },
      }),
    );
    const launchedAt = plannedAt + 7 * DAY;
    schedule(launchedAt, () => run(leadingGroup, { type: 'launchRound', data: { roundId } }));
    const perTeam = Math.ceil(targets.length / shape.teams);
    for (let team = 0; team < shape.teams; team++) {
      const teamId = `${roundId}-t${team + 1}`;
      const stationedAt = targets.slice(team * perTeam, (team + 1) * perTeam);
      if (stationedAt.length === 0) continue;
      for (const unit of stationedAt) info.teamAt.set(unit.unitId, teamId);
      const members = [1, 2, 3].map((n) => ({ personId: `${teamId}-m${n}`, homeJurisdiction: owner }));
      schedule(launchedAt + DAY, () =>
        run(leadingGroup, { type: 'formTeam', data: { teamId, roundId, leader: { personId: `${teamId}-leader`, homeJurisdiction: owner }, members } }),
      );
      schedule(launchedAt + 2 * DAY, () => run(leadingGroup, { type: 'stationTeam', data: { teamId, unitIds: stationedAt.map((unit) => unit.unitId) } }));
      for (const channel of ['letter', 'call', 'visit', 'online'] as const) {
        if (random.chance(0.6)) {
          schedule(launchedAt + random.between(5, 40) * DAY, () =>
            run(actor(owner, 'team'), { type: 'receivePetitions', data: { teamId, channel, count: 1 + random.below(40) } }),
          );
        }
      }
    }
    if (shape.kind === 'special') {
      // Feedback to every target before the round closes: rectifications are required after it.
      for (const unit of targets) schedule(at(year, 10, 8) + random.below(7) * DAY, () => run(leadingGroup, { type: 'deliverFeedback', data: { roundId, unitId: unit.unitId } }));
    }
    schedule(shape.closeAt, () => run(leadingGroup, { type: 'closeRound', data: { roundId } }));
    return info;
  };

  /** The commands that take one rectification to `status`, scheduled from its requirement on. */
  const followRectification = (rectificationId: string, owner: string, unit: UnitInfo, required: number, dueBy: number, status: RectificationStatus, lookBack: LookBack) => {
    const ownerGroup = actor(owner, 'leading-group');
    const unitActor = actor(unit.jurisdiction, 'unit');
    const plan = (time: number) =>
      schedule(time, () =>
        run(unitActor, {
          type: 'planRectification',
          data: {
            rectificationId,
            measures: Array.from({ length: 1 + random.below(4) }, (_, n) => ({
              measureId: `m${n + 1}`,
              text: MEASURES[(n + random.below(MEASURES.length)) % MEASURES.length]!,
              ...(random.chance(0.5) ? { dueBy: iso(dueAfter(time, 30 + random.below(90))) } : {}),
            })),
            responsibleLeader: `${unit.unitId}-secretary`,
            leadDepartment: `${unit.name}办公室`,
          },
        }),
      );
    const complete = (time: number) =>
      schedule(time, () =>
        run(unitActor, {
          type: 'completeRectification',
          data: { rectificationId, evidence: Array.from({ length: 1 + random.below(2) }, (_, n) => ({ title: `${unit.name}整改报告（${n + 1}）`, sha256: sha256(`${rectificationId}/${time}/${n}`) })) },
        }),
      );
    const verify = (time: number, accepted: boolean) =>
      schedule(time, () =>
        run(ownerGroup, {
          type: 'verifyRectification',
          data: accepted ? { rectificationId, verdict: 'accepted' } : { rectificationId, verdict: 'rejected', reason: random.pick(REJECTION_REASONS) },
        }),
      );
    const reassess = (time: number, verdict: 'genuine' | 'superficial' | 'relapsed') =>
      schedule(time, () =>
        run(actor(lookBack.owner, 'team'), {
          type: 'reassessRectification',
          data: { roundId: lookBack.roundId, rectificationId, verdict, ...(verdict === 'genuine' ? {} : { note: verdict === 'superficial' ? '只建了制度，资金未退还' : '问题反弹' }) },
        }),
      );

    if (status === 'required') return;
    const planned = required + random.between(5, 30) * DAY;
    // When the (last) completion happens: mostly before the due date, a fifth late.
    let completed = required + random.between(0.4, 1.25) * (dueBy - required);
    let reassessed = Number.POSITIVE_INFINITY;
    if (status === 'reopened' || (status === 'closed' && random.chance(0.15))) {
      reassessed = random.between(at(lookBack.year, 2, 12), Math.min(at(lookBack.year, 11, 20), END - 2 * DAY));
      completed = Math.min(completed, reassessed - 40 * DAY);
    }
    completed = Math.max(Math.min(completed, END - 45 * DAY), planned + 3 * DAY);
    const withPlan = status !== 'completed' || random.chance(0.85);
    if (withPlan) plan(planned);
    switch (status) {
      case 'planned':
        if (completed < END - 60 * DAY && random.chance(0.15)) {
          complete(completed);
          verify(completed + random.between(7, 30) * DAY, false);
          if (random.chance(0.6)) plan(completed + 35 * DAY);
        }
        return;
      case 'completed': {
        if (random.chance(0.1)) {
          const first = completed - 40 * DAY;
          if (first > planned) {
            complete(first);
            verify(first + random.between(5, 20) * DAY, false);
            if (random.chance(0.5)) plan(first + 25 * DAY);
          }
        }
        complete(completed);
        return;
      }
      case 'closed': {
        if (random.chance(0.12) && completed - 40 * DAY > planned) {
          const first = completed - 40 * DAY;
          complete(first);
          verify(first + random.between(5, 20) * DAY, false);
          if (random.chance(0.5)) plan(first + 25 * DAY);
        }
        complete(completed);
        const verified = Math.min(completed + random.between(7, 35) * DAY, reassessed - DAY, END - DAY);
        verify(verified, true);
        if (Number.isFinite(reassessed)) reassess(reassessed, 'genuine');
        return;
      }
      case 'reopened':
        complete(completed);
        if (random.chance(0.7)) verify(Math.min(completed + random.between(7, 35) * DAY, reassessed - DAY), true);
        reassess(reassessed, random.chance(0.6) ? 'superficial' : 'relapsed');
        return;
      default:
        return status satisfies never;
    }
  };

  /** An issue found at `unit` in `round`, and what follows it. */
  const findIssue = (round: RoundInfo, unit: UnitInfo, found: number, statuses: RectificationStatus[]) => {
    const issueId = `${round.roundId}-i${++issueCount}`;
    const [category, summary] = random.chance(0.4) ? CATEGORIES.find(([name]) => name === round.theme) ?? random.pick(CATEGORIES) : random.pick(CATEGORIES);
    const team = actor(round.owner, 'team');
    const ownerGroup = actor(round.owner, 'leading-group');
    schedule(found, () =>
      run(team, {
        type: 'recordIssue',
        data: { issueId, roundId: round.roundId, teamId: round.teamAt.get(unit.unitId)!, unitId: unit.unitId, category, summary: `${unit.name}${summary}`, immediate: random.chance(0.1) },
      }),
    );
    const lookBack = lookBackOf(cityOf(unit.jurisdiction), round.year + 1);
    statuses.forEach((status, index) => {
      const rectificationId = `${issueId}-r${index + 1}`;
      const required = at(round.year, 10, 16) + random.between(0, 45) * DAY;
      const dueBy = dueAfter(required, 90 + random.below(180));
      intended.set(rectificationId, status);
      counts[status]++;
      schedule(required, () =>
        run(ownerGroup, {
          type: 'requireRectification',
          data: {
            rectificationId,
            issueId,
            unitId: unit.unitId,
            dueBy: iso(dueBy),
            measures: Array.from({ length: random.below(3) }, (_, n) => ({ measureId: `m${n + 1}`, text: MEASURES[n]! })),
            typical: random.chance(0.05),
          },
        }),
      );
      followRectification(rectificationId, round.owner, unit, required, dueBy, status, lookBack);
    });
    if (random.chance(1 / 7)) {
      const handoverId = `${issueId}-h`;
      const handedOver = found + random.between(20, 80) * DAY;
      handoverCount++;
      schedule(handedOver, () =>
        run(ownerGroup, { type: 'handOverIssue', data: { handoverId, issueId, recipient: random.weighted(RECIPIENTS), dueBy: iso(dueAfter(handedOver, 30 + random.below(60))) } }),
      );
      if (random.chance(0.75)) {
        schedule(handedOver + random.between(10, 120) * DAY, () =>
          run(actor(round.owner, 'handler'), { type: 'answerHandover', data: { handoverId, result: '已立案审查，给予党内警告处分1人，追回资金并完善制度' } }),
        );
      }
    }
    if (random.chance(1 / 25)) {
      const supervised = found + random.between(15, 60) * DAY;
      const typical = random.chance(0.3);
      schedule(supervised, () => run(ownerGroup, { type: 'superviseIssue', data: { issueId, typical, ...(random.chance(0.5) ? { dueBy: iso(dueAfter(supervised, 60)) } : {}) } }));
      const parent = registry.get(round.owner)!.parent;
      if (parent !== null && registry.get(parent)!.level === 'city' && random.chance(0.25)) {
        schedule(supervised + random.between(1, 30) * DAY, () => run(actor(parent, 'leading-group'), { type: 'superviseIssue', data: { issueId, typical } }));
      }
    }
    if (random.chance(1 / 20)) {
      const clueId = `${issueId}-c`;
      const transferred = found + random.between(1, 20) * DAY;
      const handler = actor(round.owner, 'handler');
      schedule(transferred, () =>
        run(team, {
          type: 'transferClue',
          data: { clueId, roundId: round.roundId, teamId: round.teamAt.get(unit.unitId)!, issueId, recipient: 'discipline', subjectRank: 'county-managed', summary: `${unit.name}有关人员涉嫌违纪问题线索` },
        }),
      );
      const disposed = transferred + random.between(30, 200) * DAY;
      schedule(disposed, () => run(handler, { type: 'disposeClue', data: { clueId, outcome: 'case-filed', persons: 1 + random.below(2) } }));
      if (random.chance(0.7)) schedule(disposed + random.between(20, 90) * DAY, () => run(handler, { type: 'disposeClue', data: { clueId, outcome: 'disciplined', persons: 1 } }));
      schedule(disposed + 100 * DAY, () => run(handler, { type: 'concludeClue', data: { clueId } }));
    }
    if (random.chance(1 / 40)) {
      schedule(at(round.year, 11, 20) + random.between(0, 60) * DAY, () =>
        run(ownerGroup, {
          type: 'recordAccountability',
          data: { actionId: `${issueId}-a`, unitId: unit.unitId, kind: random.weighted([['talk', 4], ['inquiry', 2], ['admonishment', 1], ['accountability', 1]] as const), persons: 1 + random.below(3), issueId },
        }),
      );
    }
  };

  const cityOf = (code: string): string => {
    const entry = registry.get(code)!;
    return entry.level === 'city' ? code : entry.parent!;
  };

  /** A year's rounds, look-backs, tasks and issues, scheduled on its first day. */
  const startYear = (year: number) => {
    const y = year - FOLLOW_THROUGH_YEARS[0];
    const theme = THEMES[y % THEMES.length]!;
    const closeAt = (day: number) => at(year, 12, day);
    // Look-back rounds (回头看) of each city over last year's city round and its family.
    if (year > FOLLOW_THROUGH_YEARS[0]) {
      for (const city of cities) {
        const targets = [...unitsOf.get(city.code)!, ...countiesOf(city).map((county) => unitsOf.get(county.code)![0]!)];
        const round = openRound(city.code, lookBackOf(city.code, year).roundId, year, at(year, 1, 20), targets, {
          kind: 'look-back',
          theme,
          lookBackOf: `${city.code}-${year - 1}`,
          teams: 1,
          closeAt: at(year, 11, 30),
          title: `${year - 1}年度巡察整改"回头看"`,
        });
        for (const unit of targets.slice(0, 6)) {
          schedule(at(year, 3, 1) + random.between(0, 200) * DAY, () =>
            run(actor(city.code, 'leading-group'), {
              type: 'recordFollowUpVisit',
              data: { visitId: `${round.roundId}-v-${unit.unitId}`, unitId: unit.unitId, unannounced: random.chance(0.3), roundId: round.roundId, findings: '整改成效总体明显' },
            }),
          );
        }
      }
    }
    if (year > FOLLOW_THROUGH_YEARS[FOLLOW_THROUGH_YEARS.length - 1]!) return;

    const provinceRound = openRound('350000', `fj-${year}`, year, at(year, 2, 10), cities.flatMap((city) => unitsOf.get(city.code)!.slice(0, 3)), {
      kind: 'special',
      theme,
      teams: cities.length,
      closeAt: closeAt(20),
      title: `${year}年省委专项巡视`,
    });
    const cityRounds: RoundInfo[] = [];
    const countyRounds: RoundInfo[] = [];
    for (const city of cities) {
      const cityRoundId = `${city.code}-${year}`;
      const targets = [...unitsOf.get(city.code)!.slice(3), ...countiesOf(city).map((county) => unitsOf.get(county.code)![0]!)];
      cityRounds.push(
        openRound(city.code, cityRoundId, year, at(year, 3, 1), targets, {
          kind: 'special',
          theme,
          parentRoundId: `fj-${year}`,
          teams: Math.ceil(targets.length / 5),
          closeAt: closeAt(26),
          title: `${year}年市委专项巡察`,
        }),
      );
      for (const county of countiesOf(city)) {
        countyRounds.push(
          openRound(county.code, `${county.code}-${year}`, year, at(year, 3, 5), unitsOf.get(county.code)!.slice(1), {
            kind: 'special',
            theme,
            parentRoundId: cityRoundId,
            teams: 2,
            closeAt: closeAt(28),
            title: `${year}年县委专项巡察`,
          }),
        );
      }
      // Tasks passed down: the province's to the city, the city's to each county.
      const cityTask = `task-${year}-${city.code}`;
      schedule(at(year, 2, 25), () =>
        run(actor('350000', 'leading-group'), {
          type: 'assignTask',
          data: { taskId: cityTask, toJurisdiction: city.code, kind: 'linked-inspection', title: `${year}年上下联动专项巡察`, roundId: `fj-${year}`, dueBy: iso(at(year, 12, 31, 16)) },
        }),
      );
      schedule(at(year, 2, 28), () => run(actor(city.code, 'leading-group'), { type: 'acceptTask', data: { taskId: cityTask } }));
      schedule(at(year, 7, 1), () => run(actor(city.code, 'leading-group'), { type: 'reportTaskProgress', data: { taskId: cityTask, percent: 50, note: '已完成进驻和问题梳理' } }));
      if (random.chance(0.9)) schedule(at(year, 12, 15), () => run(actor(city.code, 'leading-group'), { type: 'completeTask', data: { taskId: cityTask, result: '已完成' } }));
      for (const county of countiesOf(city)) {
        const taskId = `task-${year}-${county.code}`;
        schedule(at(year, 3, 12), () =>
          run(actor(city.code, 'leading-group'), {
            type: 'assignTask',
            data: { taskId, toJurisdiction: county.code, kind: 'rectification-supervision', title: `${year}年整改督导`, roundId: cityRoundId, dueBy: iso(at(year, 12, 31, 16)) },
          }),
        );
        schedule(at(year, 3, 14) + random.below(10) * DAY, () => run(actor(county.code, 'leading-group'), { type: 'acceptTask', data: { taskId } }));
        if (random.chance(0.75)) schedule(at(year, 12, 20), () => run(actor(county.code, 'leading-group'), { type: 'completeTask', data: { taskId, result: '已完成' } }));
      }
    }

    // This year's rectifications, each with the status it must end in, shuffled, then dealt to issues.
    const statuses: RectificationStatus[] = [];
    RECTIFICATION_STATUSES.forEach((status, s) => {
      for (let n = Math.ceil(shares[y]![s]! * perYear); n > 0; n--) statuses.push(status);
    });
    for (let index = statuses.length - 1; index > 0; index--) {
      const other = random.below(index + 1);
      [statuses[index], statuses[other]] = [statuses[other]!, statuses[index]!];
    }
    const rounds: readonly (readonly [RoundInfo[], number])[] = [
      [[provinceRound], 0.08],
      [cityRounds, 0.3],
      [countyRounds, 0.62],
    ];
    for (let next = 0; next < statuses.length; ) {
      const round = random.pick(random.weighted(rounds));
      const unit = random.pick(round.targets);
      const take = random.weighted([
        [1, 5],
        [2, 3],
        [3, 2],
      ] as const);
      findIssue(round, unit, at(year, 4, 1) + random.between(0, 180) * DAY, statuses.slice(next, next + take));
      next += take;
    }
  };

  for (const year of [...FOLLOW_THROUGH_YEARS, FOLLOW_THROUGH_YEARS[FOLLOW_THROUGH_YEARS.length - 1]! + 1]) schedule(at(year, 1, 2, 0), () => startYear(year));

  // Unit registrations were decided before the agenda: record them first.
  const drain = async () => {
    for (const { event, actor: by, occurredAt } of recordQueue.splice(0)) await record(event, by, occurredAt);
  };
  await drain();
  while (agenda.size > 0) {
    clock = agenda.peek()!;
    agenda.pop()();
    if (recordQueue.length >= 1000) await drain();
  }
  await drain();
  await flush();

  for (const [rectificationId, status] of intended) {
    const actual = world.rectifications.get(rectificationId)?.status;
    if (actual !== status) throw new Error(`generated rectification ${rectificationId} ended ${actual}, not ${status}`);
  }
  return {
    events: written,
    decided,
    rectifications: counts,
    issues: world.issues.size,
    handovers: handoverCount,
    rounds: roundCount,
    units: world.units.size,
    historyEnd: FOLLOW_THROUGH_HISTORY_END,
  };
};
