/**
 * What the rest of the system needs to know about each command and each event, said once, beside
 * its decider, in its bounded context's catalogue. The catalogues are exhaustive records over the
 * command and event types (libs/domain/catalogue.ts), so a message without an entry does not
 * compile, and nothing decides by a `default:` branch what a new message does.
 */
import type { Command, CommandType, DomainEvent, EventType } from '../events.js';
import type { World } from '../world.js';
import type { Role } from './actor.js';
import type { DecisionContext } from './decision.js';
import type { ObjectSchema } from './schema.js';

export interface CommandSpec<C extends Command = Command> {
  /** One line for people: who does what (the OpenAPI summary). */
  readonly summary: string;
  /** Who may send it (the decider enforces it; the documentation states it). */
  readonly roles: readonly Role[];
  /** The one description of its data: validation and the OpenAPI request schema come from it. */
  readonly input: ObjectSchema;
  /** A valid body, for the documentation. */
  readonly example: C['data'];
  /** The stream it appends to; its revision is the one the append expects. */
  readonly target: (data: C['data']) => string;
  /**
   * Further streams the decision consults, given what is loaded so far; asked again until it names
   * nothing new (a team's round is known only once the team is loaded).
   */
  readonly reads: (data: C['data'], world: World) => string[];
  readonly decide: (command: C, world: World, context: DecisionContext) => DomainEvent[];
}

/**
 * Which levels hear of an event besides its recorder, through the integration contract:
 * - `concerned`: the levels above the recorder (results roll up) and the levels holding a
 *   jurisdiction the fact concerns or an ancestor of one (what concerns a county comes down to it);
 * - `everyone`: every level (jurisdictions and rounds, to which lower levels link their own);
 * - `above`: only the levels above the recorder (a signed chain head: evidence against it).
 */
export type Announcement = 'concerned' | 'everyone' | 'above';

export interface EventSpec<E extends DomainEvent = DomainEvent> {
  /** The stream it belongs to: the same in every level's store that holds it. */
  readonly stream: (data: E['data']) => string;
  /**
   * What it changes in a World (in place). Facts from other levels arrive in any order across
   * streams: a fact about an entity not yet known is skipped, and lifecycle facts never move an
   * entity back.
   */
  readonly evolve: (world: World, data: E['data'], occurredAt: string) => void;
  /**
   * The jurisdictions it is owned by or counts at (DESIGN.md §5 attribution): what read access,
   * audit replay by jurisdiction and exports go by. Its recorder counts as well (provenance).
   */
  readonly concerns: (data: E['data']) => string[];
  readonly announce: Announcement;
  /**
   * What crosses levels: the event's data as the integration contract carries it. Personal or
   * confidential fields (where team members work, clue content, responsible leaders) stay at the
   * level that recorded them unless the contract names them.
   */
  readonly publicView: (data: E['data']) => E['data'];
  /** Whether a projection reads its provenance (metadata: who, when); most facts are counted from data alone. */
  readonly provenance: 'read' | 'unread';
  /** The round it belongs to, if any: what an auditor's replay of a round gathers. */
  readonly round: (data: E['data']) => string | null;
  /** Its place on the chain of causes and effects an auditor traces (lineage). */
  readonly lineage: LineageRole<E['data']>;
}

/** The aggregates the lineage of a task, an issue or a clue is made of. */
export type LineageKind = 'round' | 'task' | 'team' | 'issue' | 'clue' | 'rectification' | 'handover' | 'special-report';

/** The first fact of an aggregate on the chain: which one, whose it is, and what caused it. */
export interface LineageStart {
  readonly id: string;
  /**
   * Whose it is: a round's, team's, clue's or special report's owner, a task's addressee, an issue's
   * unit's jurisdiction, a rectification's or handover's requiring round owner.
   */
  readonly whose: string;
  /** The aggregate that set it off: a round's parent round, an issue's round, a rectification's issue. */
  readonly causedBy: { readonly kind: LineageKind; readonly id: string } | null;
  /** Who set it off, where that is not its cause's owner (a task's sender). */
  readonly from?: string;
}

/**
 * - `starts`: the fact begins an aggregate of that kind (the kind is stated apart from the data,
 *   so that a trace passes over other facts without reading them);
 * - `adopts`: the fact makes an issue count in another round (a finding adopted upward);
 * - `continues`: the fact changes an aggregate already on the chain, and links nothing new.
 */
export type LineageRole<D> =
  | { readonly starts: LineageKind; readonly link: (data: D) => LineageStart }
  | { readonly adopts: (data: D) => { readonly issueId: string; readonly roundId: string } }
  | 'continues';

/** A fact that begins an aggregate of `kind` on the chain of causes and effects. */
export const startsAggregate = <D>(kind: LineageKind, link: (data: D) => LineageStart): LineageRole<D> => ({ starts: kind, link });
/** A fact that makes an issue count in another round. */
export const adoptsIssue = <D>(adoption: (data: D) => { readonly issueId: string; readonly roundId: string }): LineageRole<D> => ({ adopts: adoption });

/** Of a fact whose data names its round as `roundId`. */
export const roundIdOf = <D extends { readonly roundId: string | null }>(data: D): string | null => data.roundId;
/** Of a fact that belongs to no round (a registry entry, a signed head). */
export const noRound = (): null => null;

export type CommandCatalogue<T extends CommandType> = { readonly [K in T]: CommandSpec<Extract<Command, { type: K }>> };
export type EventCatalogue<T extends EventType> = { readonly [K in T]: EventSpec<Extract<DomainEvent, { type: K }>> };

/** The public view of a fact that travels whole: said explicitly, so that no event crosses levels by default. */
export const travelsWhole = <D>(data: D): D => data;
