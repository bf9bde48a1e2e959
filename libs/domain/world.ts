import type { DisposalOutcome } from './clues/messages.js';
import type { DomainEvent } from './events.js';
import type { Linkage, RoundKind, TeamMember, UnitRef } from './inspection/messages.js';
import type { Level } from './kernel/actor.js';
import { assertNever } from './kernel/envelope.js';
import type { TaskKind } from './linkage/messages.js';

export interface Unit {
  readonly unitId: string;
  readonly name: string;
  readonly jurisdiction: string;
}

interface RoundFacts {
  readonly roundId: string;
  readonly owner: string;
  readonly kind: RoundKind;
  readonly theme: string | null;
  readonly linkage: Linkage;
  readonly parentRoundId: string | null;
  readonly targets: readonly UnitRef[];
  readonly feedbackDeliveredTo: readonly string[];
}
export type Round =
  | (RoundFacts & { readonly status: 'planned' })
  | (RoundFacts & { readonly status: 'launched'; readonly launchedAt: string })
  | (RoundFacts & { readonly status: 'closed'; readonly closedAt: string });

interface TeamFacts {
  readonly teamId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly leader: TeamMember;
  readonly members: readonly TeamMember[];
}
export type Team =
  | (TeamFacts & { readonly status: 'formed' })
  | (TeamFacts & { readonly status: 'stationed'; readonly stationedAt: readonly string[] });

export type Escalation =
  | { readonly status: 'none' }
  | { readonly status: 'escalated'; readonly to: string }
  | { readonly status: 'adopted'; readonly to: string; readonly intoRoundId: string };

export interface Issue {
  readonly issueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly unitId: string;
  readonly unitJurisdiction: string;
  readonly escalation: Escalation;
}

interface ClueFacts {
  readonly clueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly attributedTo: string;
  readonly dispositions: readonly { outcome: DisposalOutcome; persons: number }[];
}
export type Clue = (ClueFacts & { readonly status: 'open' }) | (ClueFacts & { readonly status: 'concluded' });

interface RectificationFacts {
  readonly rectificationId: string;
  readonly issueId: string;
  readonly roundId: string;
  readonly owner: string;
  readonly unitId: string;
  readonly unitJurisdiction: string;
  readonly dueBy: string;
}
export type Rectification =
  | (RectificationFacts & { readonly status: 'required' })
  | (RectificationFacts & { readonly status: 'completed'; readonly completedAt: string });

interface TaskFacts {
  readonly taskId: string;
  readonly from: string;
  readonly toJurisdiction: string;
  readonly kind: TaskKind | null;
  readonly roundId: string | null;
  readonly dueBy: string;
}
export type Task =
  | (TaskFacts & { readonly status: 'assigned' })
  | (TaskFacts & { readonly status: 'accepted' })
  | (TaskFacts & { readonly status: 'in-progress'; readonly percent: number | null })
  | (TaskFacts & { readonly status: 'completed'; readonly completedAt: string });

/**
 * What a level knows, folded from the streams a decision reads. A handler loads only the streams a
 * command needs, so a World is usually partial; deciders treat a missing entity as unknown.
 */
export interface World {
  readonly jurisdictions: Map<string, { code: string; level: Level; parent: string | null }>;
  readonly units: Map<string, Unit>;
  readonly rounds: Map<string, Round>;
  readonly teams: Map<string, Team>;
  readonly issues: Map<string, Issue>;
  readonly clues: Map<string, Clue>;
  readonly rectifications: Map<string, Rectification>;
  readonly tasks: Map<string, Task>;
  readonly specialReports: Set<string>;
}

export const emptyWorld = (): World => ({
  jurisdictions: new Map(),
  units: new Map(),
  rounds: new Map(),
  teams: new Map(),
  issues: new Map(),
  clues: new Map(),
  rectifications: new Map(),
  tasks: new Map(),
  specialReports: new Set(),
});

const TASK_STAGE: Record<Task['status'], number> = { assigned: 0, accepted: 1, 'in-progress': 2, completed: 3 };
const ROUND_STAGE: Record<Round['status'], number> = { planned: 0, launched: 1, closed: 2 };

/**
 * Applies one fact. Mutates the maps of `world` for speed (a World is private to one decision) and
 * returns it. Facts received from other levels may arrive out of order across streams, so a fact
 * about an entity this World has not seen is skipped, and lifecycle facts never move an entity back.
 */
export const evolve = (world: World, event: DomainEvent, occurredAt: string): World => {
  switch (event.type) {
    case 'JurisdictionRegistered':
      world.jurisdictions.set(event.data.code, { code: event.data.code, level: event.data.level, parent: event.data.parent });
      return world;
    case 'UnitRegistered':
      world.units.set(event.data.unitId, { unitId: event.data.unitId, name: event.data.name, jurisdiction: event.data.jurisdiction });
      return world;
    case 'RoundPlanned': {
      const existing = world.rounds.get(event.data.roundId);
      const facts: RoundFacts = {
        roundId: event.data.roundId,
        owner: event.data.owner,
        kind: event.data.kind,
        theme: event.data.theme,
        linkage: event.data.linkage,
        parentRoundId: event.data.parentRoundId,
        targets: event.data.targets,
        feedbackDeliveredTo: existing?.feedbackDeliveredTo ?? [],
      };
      world.rounds.set(event.data.roundId, existing ? { ...existing, ...facts } : { ...facts, status: 'planned' });
      return world;
    }
    case 'RoundLaunched': {
      const round = world.rounds.get(event.data.roundId);
      if (round && ROUND_STAGE[round.status] < ROUND_STAGE.launched) {
        world.rounds.set(round.roundId, { ...round, status: 'launched', launchedAt: occurredAt });
      }
      return world;
    }
    case 'RoundClosed': {
      const round = world.rounds.get(event.data.roundId);
      if (round) world.rounds.set(round.roundId, { ...round, status: 'closed', closedAt: occurredAt });
      return world;
    }
    case 'FeedbackDelivered': {
      const round = world.rounds.get(event.data.roundId);
      if (round) world.rounds.set(round.roundId, { ...round, feedbackDeliveredTo: [...round.feedbackDeliveredTo, event.data.unitId] });
      return world;
    }
    case 'TeamFormed':
      world.teams.set(event.data.teamId, {
        status: 'formed',
        teamId: event.data.teamId,
        roundId: event.data.roundId,
        owner: event.data.owner,
        leader: event.data.leader,
        members: event.data.members,
      });
      return world;
    case 'TeamStationed': {
      const team = world.teams.get(event.data.teamId);
      if (team) {
        const before = team.status === 'stationed' ? team.stationedAt : [];
        const stationedAt = [...new Set([...before, ...event.data.units.map((unit) => unit.unitId)])];
        world.teams.set(team.teamId, { ...team, status: 'stationed', stationedAt });
      }
      return world;
    }
    case 'PetitionsReceived':
      return world;
    case 'ChainHeadSigned':
      // An attestation about the store, not a change of any aggregate.
      return world;
    case 'IssueFound': {
      const existing = world.issues.get(event.data.issueId);
      world.issues.set(event.data.issueId, {
        issueId: event.data.issueId,
        roundId: event.data.roundId,
        owner: event.data.owner,
        unitId: event.data.unitId,
        unitJurisdiction: event.data.unitJurisdiction,
        escalation: existing?.escalation ?? { status: 'none' },
      });
      return world;
    }
    case 'FindingEscalated': {
      const issue = world.issues.get(event.data.issueId) ?? {
        issueId: event.data.issueId,
        roundId: event.data.roundId,
        owner: event.data.from,
        unitId: event.data.unitId,
        unitJurisdiction: event.data.unitJurisdiction,
        escalation: { status: 'none' } as Escalation,
      };
      if (issue.escalation.status === 'none') {
        world.issues.set(issue.issueId, { ...issue, escalation: { status: 'escalated', to: event.data.toJurisdiction } });
      }
      return world;
    }
    case 'FindingAdopted': {
      const issue = world.issues.get(event.data.issueId);
      if (issue) world.issues.set(issue.issueId, { ...issue, escalation: { status: 'adopted', to: event.data.by, intoRoundId: event.data.roundId } });
      return world;
    }
    case 'SpecialReportSubmitted':
      world.specialReports.add(event.data.reportId);
      return world;
    case 'ClueTransferred': {
      const existing = world.clues.get(event.data.clueId);
      world.clues.set(event.data.clueId, {
        status: existing?.status ?? 'open',
        clueId: event.data.clueId,
        roundId: event.data.roundId,
        owner: event.data.owner,
        attributedTo: event.data.attributedTo,
        dispositions: existing?.dispositions ?? [],
      });
      return world;
    }
    case 'ClueDisposed': {
      const clue = world.clues.get(event.data.clueId);
      if (clue) {
        world.clues.set(clue.clueId, { ...clue, dispositions: [...clue.dispositions, { outcome: event.data.outcome, persons: event.data.persons }] });
      }
      return world;
    }
    case 'ClueConcluded': {
      const clue = world.clues.get(event.data.clueId);
      if (clue) world.clues.set(clue.clueId, { ...clue, status: 'concluded' });
      return world;
    }
    case 'RectificationRequired': {
      const existing = world.rectifications.get(event.data.rectificationId);
      if (!existing) world.rectifications.set(event.data.rectificationId, { ...event.data, status: 'required' });
      return world;
    }
    case 'RectificationCompleted': {
      const { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy } = event.data;
      world.rectifications.set(rectificationId, {
        rectificationId,
        issueId,
        roundId,
        owner,
        unitId,
        unitJurisdiction,
        dueBy,
        status: 'completed',
        completedAt: occurredAt,
      });
      return world;
    }
    case 'TaskAssigned': {
      const existing = world.tasks.get(event.data.taskId);
      const facts: TaskFacts = {
        taskId: event.data.taskId,
        from: event.data.from,
        toJurisdiction: event.data.toJurisdiction,
        kind: event.data.kind,
        roundId: event.data.roundId,
        dueBy: event.data.dueBy,
      };
      world.tasks.set(event.data.taskId, existing ? { ...existing, ...facts } : { ...facts, status: 'assigned' });
      return world;
    }
    case 'TaskAccepted':
    case 'TaskProgressReported':
    case 'TaskCompleted': {
      const existing = world.tasks.get(event.data.taskId);
      const facts: TaskFacts = {
        taskId: event.data.taskId,
        from: event.data.from,
        toJurisdiction: event.data.toJurisdiction,
        kind: existing?.kind ?? null,
        roundId: event.data.roundId,
        dueBy: event.data.dueBy,
      };
      const next: Task =
        event.type === 'TaskAccepted'
          ? { ...facts, status: 'accepted' }
          : event.type === 'TaskProgressReported'
            ? { ...facts, status: 'in-progress', percent: event.data.percent }
            : { ...facts, status: 'completed', completedAt: occurredAt };
      if (!existing || TASK_STAGE[next.status] >= TASK_STAGE[existing.status]) world.tasks.set(event.data.taskId, next);
      return world;
    }
    default:
      return assertNever(event, 'event');
  }
};

/**
 * Adds what `fragment` knows to `world`. Every fact changes only the entity its stream is named for
 * (the round of a round stream, the team of a team stream, ...: see streamOf), so Worlds folded
 * stream by stream and merged equal one World folded from all those streams in turn. Entities are
 * never changed in place (evolve replaces them), so sharing them between Worlds is safe.
 */
export const mergeWorld = (world: World, fragment: World): World => {
  for (const [code, jurisdiction] of fragment.jurisdictions) world.jurisdictions.set(code, jurisdiction);
  for (const [unitId, unit] of fragment.units) world.units.set(unitId, unit);
  for (const [roundId, round] of fragment.rounds) world.rounds.set(roundId, round);
  for (const [teamId, team] of fragment.teams) world.teams.set(teamId, team);
  for (const [issueId, issue] of fragment.issues) world.issues.set(issueId, issue);
  for (const [clueId, clue] of fragment.clues) world.clues.set(clueId, clue);
  for (const [rectificationId, rectification] of fragment.rectifications) world.rectifications.set(rectificationId, rectification);
  for (const [taskId, task] of fragment.tasks) world.tasks.set(taskId, task);
  for (const reportId of fragment.specialReports) world.specialReports.add(reportId);
  return world;
};

export const foldWorld = (events: Iterable<{ event: DomainEvent; occurredAt: string }>, world: World = emptyWorld()): World => {
  for (const { event, occurredAt } of events) evolve(world, event, occurredAt);
  return world;
};
