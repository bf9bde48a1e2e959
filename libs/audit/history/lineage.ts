import type { JurisdictionLookup, Level, LineageKind } from '#domain';
import { LINEAGE_STREAMS, adoptionOf, isEventType, knownEvent, lineageKindOf, lineageStartOf, roundOfFact } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import type { AuditFact, FactVisibility, LevelHistory } from './history.js';
import { everything, toAuditFact } from './history.js';

export const LINEAGE_SUBJECTS = ['task', 'issue', 'clue'] as const;
export type LineageSubject = (typeof LINEAGE_SUBJECTS)[number];

export type LineageNodeKind = LineageKind;

/** One aggregate on the chain of causes and effects, with its facts in record order. */
export interface LineageNode {
  readonly kind: LineageNodeKind;
  readonly id: string;
  /** Whose it is: a round's or team's owner, a task's addressee, an issue's unit's jurisdiction. */
  readonly jurisdiction: string | null;
  /** Levels whose stores first recorded its facts: where the chain crossed levels. */
  readonly levels: readonly Level[];
  readonly facts: readonly AuditFact[];
  /** What it caused: the rounds a task set off, a round's issues, an issue's rectifications... */
  readonly effects: readonly LineageNode[];
}

export interface Lineage {
  readonly level: Level;
  /** The store position the lineage was read up to. */
  readonly upTo: number;
  readonly subject: { readonly kind: LineageSubject; readonly id: string };
  /** Upstream, root cause first: the rounds and tasks that led to the subject. */
  readonly causes: readonly LineageNode[];
  /** The subject with everything it caused, recursively. */
  readonly lineage: LineageNode;
  /** Where the results roll up: the report scope (jurisdiction, round family) that counts them. */
  readonly rollsUpInto: { readonly jurisdiction: string; readonly roundId: string | null; readonly specialReports: readonly LineageNode[] } | null;
  readonly levels: readonly Level[];
  readonly facts: number;
  /** True when the chain was cut at MAX_LINEAGE_FACTS. */
  readonly truncated: boolean;
}

export class UnknownLineageSubject extends Error {
  override readonly name = 'UnknownLineageSubject';
}

export const MAX_LINEAGE_FACTS = 20_000;

interface RoundLink {
  readonly owner: string;
  readonly parentRoundId: string | null;
}
interface TaskLink {
  readonly from: string;
  readonly toJurisdiction: string;
  readonly roundId: string | null;
}

/** What links aggregates across streams, gathered from the log in two passes. */
class LinkIndex {
  readonly rounds = new Map<string, RoundLink>();
  readonly roundsByParent = new Map<string, string[]>();
  readonly tasks = new Map<string, TaskLink>();
  readonly tasksByRound = new Map<string, string[]>();
  readonly issuesByRound = new Map<string, string[]>();
  readonly issueJurisdiction = new Map<string, string>();
  readonly cluesByRound = new Map<string, string[]>();
  readonly cluesByIssue = new Map<string, string[]>();
  readonly rectificationsByIssue = new Map<string, string[]>();
  readonly handoversByIssue = new Map<string, string[]>();
  readonly teamsByRound = new Map<string, string[]>();
  readonly reportsByRound = new Map<string, string[]>();
  readonly adoptedInto = new Map<string, string>();
}

const push = (map: Map<string, string[]>, key: string, value: string): void => {
  const list = map.get(key);
  if (!list) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
};

/** The aggregate a fact begins, when it is of one of `kinds` (other facts are not parsed). */
const startOf = (recorded: RecordedEvent, ...kinds: readonly LineageKind[]) => {
  if (!isEventType(recorded.type)) return null;
  // The kind is read from the type alone: the facts of other kinds are passed over unparsed.
  return (kinds as readonly string[]).includes(lineageKindOf(recorded.type)) ? lineageStartOf(knownEvent(recorded)!) : null;
};

/**
 * Lineage across levels from one level's store (it holds what its descendants sent up): from a
 * task, an issue or a clue, the tasks and linked rounds upstream, and downstream every round linked
 * below, their issues, rectifications, clues and sub-tasks, up to the report scope and special
 * reports the results roll into. Two scans of the log (links first, then the relevant ids) and one
 * stream read per aggregate on the chain.
 */
export class LineageTracer {
  private factCount = 0;
  private truncated = false;

  constructor(
    private readonly history: LevelHistory,
    private readonly store: EventStore,
    private readonly registry: JurisdictionLookup,
    private readonly visible: FactVisibility = everything,
  ) {}

  async trace(kind: LineageSubject, id: string): Promise<Lineage> {
    const upTo = await this.store.headPosition();
    const index = new LinkIndex();
    // Pass 1: rounds and tasks, the skeleton every chain hangs on (the catalogue says which facts
    // begin them, so the others are passed over unread).
    for await (const recorded of this.history.scan(0, upTo)) {
      const start = startOf(recorded, 'round', 'task');
      if (start?.kind === 'round') {
        const parentRoundId = start.causedBy?.kind === 'round' ? start.causedBy.id : null;
        index.rounds.set(start.id, { owner: start.whose, parentRoundId });
        if (parentRoundId) push(index.roundsByParent, parentRoundId, start.id);
      } else if (start?.kind === 'task') {
        const roundId = start.causedBy?.kind === 'round' ? start.causedBy.id : null;
        index.tasks.set(start.id, { from: start.from ?? '', toJurisdiction: start.whose, roundId });
        if (roundId) push(index.tasksByRound, roundId, start.id);
      }
    }

    const subject = await this.readSubject(kind, id);
    const first = knownEvent(subject[0]!);
    const subjectRound = kind === 'task' ? index.tasks.get(id)?.roundId ?? null : first ? roundOfFact(first) : null;
    // The rounds whose facts matter: the chain above the subject's round and the family below.
    const relevant = new Set<string>();
    for (let round: string | null = subjectRound; round && !relevant.has(round); round = index.rounds.get(round)?.parentRoundId ?? null) relevant.add(round);
    const below = kind === 'task' ? this.roundsSetOffBy(id, index) : [];
    for (const round of this.family(below, index)) relevant.add(round);

    // Pass 2: which issues, clues, rectifications, teams and reports belong to those rounds.
    const clueCause = kind === 'clue' && first ? lineageStartOf(first)?.causedBy : undefined;
    const subjectIssue = kind === 'issue' ? id : clueCause?.kind === 'issue' ? clueCause.id : null;
    for await (const recorded of this.history.scan(0, upTo)) {
      const event = knownEvent(recorded);
      if (!event || lineageKindOf(event.type) === 'continues') continue;
      const adoption = adoptionOf(event);
      if (adoption) {
        index.adoptedInto.set(adoption.issueId, adoption.roundId);
        continue;
      }
      const start = lineageStartOf(event);
      if (!start) continue;
      const roundId = roundOfFact(event);
      const inRelevantRound = roundId !== null && relevant.has(roundId);
      const causeIsSubjectIssue = start.causedBy?.kind === 'issue' && start.causedBy.id === subjectIssue;
      switch (start.kind) {
        case 'issue':
          if ((inRelevantRound || start.id === subjectIssue) && roundId) {
            push(index.issuesByRound, roundId, start.id);
            index.issueJurisdiction.set(start.id, start.whose);
          }
          break;
        case 'clue':
          if (!inRelevantRound && !causeIsSubjectIssue) break;
          if (start.causedBy?.kind === 'issue') push(index.cluesByIssue, start.causedBy.id, start.id);
          else if (roundId) push(index.cluesByRound, roundId, start.id);
          break;
        case 'rectification':
          if ((inRelevantRound || causeIsSubjectIssue) && start.causedBy) push(index.rectificationsByIssue, start.causedBy.id, start.id);
          break;
        case 'handover':
          if ((inRelevantRound || causeIsSubjectIssue) && start.causedBy) push(index.handoversByIssue, start.causedBy.id, start.id);
          break;
        case 'team':
          if (inRelevantRound && roundId) push(index.teamsByRound, roundId, start.id);
          break;
        case 'special-report':
          if (roundId) push(index.reportsByRound, roundId, start.id);
          break;
        case 'round':
        case 'task':
          break;
      }
    }

    const causes = await this.causesOf(subjectRound, index, kind === 'clue' && subjectIssue ? subjectIssue : undefined);
    let lineage: LineageNode;
    let rollsUpInto: Lineage['rollsUpInto'];
    if (kind === 'task') {
      const task = index.tasks.get(id);
      lineage = await this.taskNode(id, index, below);
      rollsUpInto = task ? { jurisdiction: task.from, roundId: task.roundId, specialReports: task.roundId ? await this.reportNodes(task.roundId, index) : [] } : null;
    } else {
      lineage = kind === 'issue' ? await this.issueNode(id, index) : await this.node('clue', id, LINEAGE_STREAMS.clue(id), null);
      const root = causes.find((cause) => cause.kind === 'round');
      const adopted = subjectIssue ? index.adoptedInto.get(subjectIssue) : undefined;
      rollsUpInto = root
        ? { jurisdiction: root.jurisdiction!, roundId: root.id, specialReports: await this.reportNodes(root.id, index) }
        : adopted
          ? { jurisdiction: index.rounds.get(adopted)?.owner ?? '', roundId: adopted, specialReports: await this.reportNodes(adopted, index) }
          : null;
    }
    const all = [...causes, lineage, ...(rollsUpInto?.specialReports ?? [])];
    const levels = new Set<Level>();
    const walk = (node: LineageNode): void => {
      for (const level of node.levels) levels.add(level);
      node.effects.forEach(walk);
    };
    all.forEach(walk);
    return {
      level: this.history.level,
      upTo,
      subject: { kind, id },
      causes,
      lineage,
      rollsUpInto,
      levels: [...levels],
      facts: this.factCount,
      truncated: this.truncated,
    };
  }

  /** The subject's own stream; refuses an unknown or invisible subject the same way. */
  private async readSubject(kind: LineageSubject, id: string): Promise<AuditFact[]> {
    const streamId = LINEAGE_STREAMS[kind](id);
    const facts = (await this.store.readStream(streamId)).map((recorded) => toAuditFact(recorded, this.history.level));
    if (facts.length === 0 || !facts.some(this.visible)) throw new UnknownLineageSubject(`${kind} ${id} is not known at the ${this.history.level} level`);
    return facts;
  }

  /** Rounds a task set off: linked to the task's round and run by the addressee or below it. */
  private roundsSetOffBy(taskId: string, index: LinkIndex): string[] {
    const task = index.tasks.get(taskId);
    if (!task?.roundId) return [];
    return (index.roundsByParent.get(task.roundId) ?? []).filter((roundId) => {
      const owner = index.rounds.get(roundId)?.owner;
      return owner !== undefined && this.registry.isSelfOrAncestor(task.toJurisdiction, owner);
    });
  }

  /** `roots` and every round linked below them, transitively. */
  private family(roots: readonly string[], index: LinkIndex): string[] {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const round = stack.pop()!;
      if (seen.has(round)) continue;
      seen.add(round);
      stack.push(...(index.roundsByParent.get(round) ?? []));
    }
    return [...seen];
  }

  /** Root first: each round above the subject's, preceded by the task that asked for it. */
  private async causesOf(roundId: string | null, index: LinkIndex, issueId?: string): Promise<LineageNode[]> {
    const chain: LineageNode[] = [];
    const seen = new Set<string>();
    for (let round = roundId; round && !seen.has(round); round = index.rounds.get(round)?.parentRoundId ?? null) {
      seen.add(round);
      const link = index.rounds.get(round);
      chain.unshift(await this.node('round', round, LINEAGE_STREAMS.round(round), link?.owner ?? null));
      const parent = link?.parentRoundId;
      if (!parent || !link) continue;
      // The task that set this round off: of the parent round, addressed to its owner or above.
      for (const taskId of index.tasksByRound.get(parent) ?? []) {
        const task = index.tasks.get(taskId)!;
        if (this.registry.isSelfOrAncestor(task.toJurisdiction, link.owner)) chain.unshift(await this.node('task', taskId, LINEAGE_STREAMS.task(taskId), task.toJurisdiction));
      }
    }
    if (issueId) chain.push(await this.node('issue', issueId, LINEAGE_STREAMS.issue(issueId), null));
    return chain.filter((node) => node.facts.length > 0);
  }

  private async taskNode(taskId: string, index: LinkIndex, setOff: readonly string[]): Promise<LineageNode> {
    const task = index.tasks.get(taskId);
    const effects: LineageNode[] = [];
    for (const roundId of setOff) effects.push(await this.roundNode(roundId, index));
    return this.node('task', taskId, LINEAGE_STREAMS.task(taskId), task?.toJurisdiction ?? null, effects);
  }

  private async roundNode(roundId: string, index: LinkIndex): Promise<LineageNode> {
    const effects: LineageNode[] = [];
    for (const teamId of index.teamsByRound.get(roundId) ?? []) effects.push(await this.node('team', teamId, LINEAGE_STREAMS.team(teamId), index.rounds.get(roundId)?.owner ?? null));
    for (const issueId of index.issuesByRound.get(roundId) ?? []) effects.push(await this.issueNode(issueId, index));
    for (const clueId of index.cluesByRound.get(roundId) ?? []) effects.push(await this.node('clue', clueId, LINEAGE_STREAMS.clue(clueId), null));
    // Sub-tasks of this round carry the rounds they set off; linked rounds no task explains follow.
    const explained = new Set<string>();
    for (const taskId of index.tasksByRound.get(roundId) ?? []) {
      const setOff = this.roundsSetOffBy(taskId, index);
      setOff.forEach((round) => explained.add(round));
      effects.push(await this.taskNode(taskId, index, setOff));
    }
    for (const child of index.roundsByParent.get(roundId) ?? []) if (!explained.has(child)) effects.push(await this.roundNode(child, index));
    effects.push(...(await this.reportNodes(roundId, index)));
    return this.node('round', roundId, LINEAGE_STREAMS.round(roundId), index.rounds.get(roundId)?.owner ?? null, effects);
  }

  private async issueNode(issueId: string, index: LinkIndex): Promise<LineageNode> {
    const effects: LineageNode[] = [];
    for (const rectificationId of index.rectificationsByIssue.get(issueId) ?? []) {
      effects.push(await this.node('rectification', rectificationId, LINEAGE_STREAMS.rectification(rectificationId), index.issueJurisdiction.get(issueId) ?? null));
    }
    for (const handoverId of index.handoversByIssue.get(issueId) ?? []) {
      effects.push(await this.node('handover', handoverId, LINEAGE_STREAMS.handover(handoverId), index.issueJurisdiction.get(issueId) ?? null));
    }
    for (const clueId of index.cluesByIssue.get(issueId) ?? []) effects.push(await this.node('clue', clueId, LINEAGE_STREAMS.clue(clueId), null));
    return this.node('issue', issueId, LINEAGE_STREAMS.issue(issueId), index.issueJurisdiction.get(issueId) ?? null, effects);
  }

  private async reportNodes(roundId: string, index: LinkIndex): Promise<LineageNode[]> {
    const nodes: LineageNode[] = [];
    for (const reportId of index.reportsByRound.get(roundId) ?? []) nodes.push(await this.node('special-report', reportId, LINEAGE_STREAMS['special-report'](reportId), index.rounds.get(roundId)?.owner ?? null));
    return nodes;
  }

  /** A node with the visible facts of its stream; an invisible aggregate keeps no facts and no effects. */
  private async node(kind: LineageNodeKind, id: string, streamId: string, jurisdiction: string | null, effects: LineageNode[] = []): Promise<LineageNode> {
    if (this.factCount >= MAX_LINEAGE_FACTS) {
      this.truncated = true;
      return { kind, id, jurisdiction, levels: [], facts: [], effects: [] };
    }
    const facts = (await this.store.readStream(streamId)).map((recorded) => toAuditFact(recorded, this.history.level)).filter(this.visible);
    this.factCount += facts.length;
    return { kind, id, jurisdiction: jurisdiction ?? whoseByFirstFact(facts), levels: [...new Set(facts.map((fact) => fact.level))], facts, effects: facts.length > 0 ? effects : [] };
  }
}

/** Whose an aggregate is, as the catalogue reads it from the fact that began it (null when that fact is not visible). */
const whoseByFirstFact = (facts: readonly AuditFact[]): string | null => {
  const first = facts[0] === undefined ? null : knownEvent(facts[0]);
  return first === null ? null : (lineageStartOf(first)?.whose ?? null);
};
