/**
 * The whole catalogue: every command and every event of every bounded context, and the functions
 * the rest of the system asks of them. Both records are exhaustive over their types: a command or
 * an event without an entry does not compile.
 */
import { auditEvents } from './audit/catalogue.js';
import { authorityCommands, authorityEvents } from './authority/catalogue.js';
import { clueCommands, clueEvents } from './clues/catalogue.js';
import { followThroughCommands, followThroughEvents } from './follow-through/catalogue.js';
import type { Command, CommandOfType, CommandType, DomainEvent, EventOfType, EventType } from './events.js';
import { inspectionCommands, inspectionEvents } from './inspection/catalogue.js';
import { jurisdictionCommands, jurisdictionEvents } from './jurisdictions/catalogue.js';
import type { Announcement, CommandCatalogue, CommandSpec, EventCatalogue, EventSpec, LineageKind, LineageStart } from './kernel/catalogue.js';
import type { DecisionContext } from './kernel/decision.js';
import { linkageCommands, linkageEvents } from './linkage/catalogue.js';
import { poolCommands, poolEvents } from './pool/catalogue.js';
import { rectificationCommands, rectificationEvents } from './rectification/catalogue.js';
import { streams } from './streams.js';
import type { World } from './world.js';
import { emptyWorld } from './world.js';

export const COMMANDS: CommandCatalogue<CommandType> = {
  ...jurisdictionCommands,
  ...inspectionCommands,
  ...clueCommands,
  ...rectificationCommands,
  ...followThroughCommands,
  ...linkageCommands,
  ...poolCommands,
  ...authorityCommands,
};

export const EVENTS: EventCatalogue<EventType> = {
  ...jurisdictionEvents,
  ...inspectionEvents,
  ...clueEvents,
  ...rectificationEvents,
  ...followThroughEvents,
  ...linkageEvents,
  ...auditEvents,
  ...poolEvents,
  ...authorityEvents,
};

/** Every command type and event type, as the catalogues list them. */
export const COMMAND_TYPES = Object.keys(COMMANDS) as readonly CommandType[];
export const EVENT_TYPES = Object.keys(EVENTS) as readonly EventType[];

export const isCommandType = (value: string): value is CommandType => Object.hasOwn(COMMANDS, value);
export const isEventType = (value: string): value is EventType => Object.hasOwn(EVENTS, value);

// TypeScript cannot tie a union member to its own entry: these two lookups say it once.
export const commandSpec = <T extends CommandType>(type: T): CommandSpec<CommandOfType<T>> => COMMANDS[type] as unknown as CommandSpec<CommandOfType<T>>;
export const eventSpec = <T extends EventType>(type: T): EventSpec<EventOfType<T>> => EVENTS[type] as unknown as EventSpec<EventOfType<T>>;

/** decide(command, state) → events: pure; throws a `Refusal` when the command must not happen. */
export const decide = (command: Command, world: World, context: DecisionContext): DomainEvent[] => commandSpec(command.type).decide(command, world, context);

/** The stream a command appends to. Its revision is the one the append expects, so two decisions on the same aggregate can never both win. */
export const targetStream = (command: Command): string => commandSpec(command.type).target(command.data);

/** Further streams a decision consults, given what has been loaded so far. */
export const contextStreams = (command: Command, world: World): string[] => commandSpec(command.type).reads(command.data, world);

/** The stream an event belongs to: the same in every level's store that holds it. */
export const streamOf = (event: DomainEvent): string => eventSpec(event.type).stream(event.data);

/**
 * Applies one fact. Mutates the maps of `world` for speed (a World is private to one decision) and
 * returns it.
 */
export const evolve = (world: World, event: DomainEvent, occurredAt: string): World => {
  eventSpec(event.type).evolve(world, event.data, occurredAt);
  return world;
};

export const foldWorld = (events: Iterable<{ event: DomainEvent; occurredAt: string }>, world: World = emptyWorld()): World => {
  for (const { event, occurredAt } of events) evolve(world, event, occurredAt);
  return world;
};

/**
 * The jurisdictions a fact is owned by or attributed to (DESIGN.md §5 attribution): what an auditor's
 * subtree, a jurisdiction's replay and a jurisdiction's export go by. A fact's recorder
 * (metadata.jurisdiction) counts as well; callers add it, since it is provenance, not data.
 */
export const attributedJurisdictions = (event: DomainEvent): string[] => eventSpec(event.type).concerns(event.data);

/** The public part of a fact: what the integration contract carries to other levels. */
export const publicData = <E extends DomainEvent>(event: E): E => ({ type: event.type, data: eventSpec(event.type).publicView(event.data) }) as E;

/** Which levels hear of a fact besides its recorder (see Announcement). */
export const announcementOf = (type: EventType): Announcement => EVENTS[type].announce;

/** Whether a projection reads the provenance of facts of this type. */
export const readsProvenance = (type: EventType): boolean => EVENTS[type].provenance === 'read';

/** A stored fact as the domain knows it; null for a type this code does not know (a newer writer's). */
export const knownEvent = (fact: { readonly type: string; readonly data: unknown }): DomainEvent | null =>
  isEventType(fact.type) ? ({ type: fact.type, data: fact.data } as DomainEvent) : null;

/** The round a fact belongs to, if any (an auditor's replay of a round). */
export const roundOfFact = (event: DomainEvent): string | null => eventSpec(event.type).round(event.data);

/** What a fact of this type does on the chain of causes and effects; read without its data. */
export const lineageKindOf = (type: EventType): LineageKind | 'adopts' | 'continues' => {
  const role = EVENTS[type].lineage;
  return role === 'continues' ? 'continues' : 'starts' in role ? role.starts : 'adopts';
};

/** The aggregate a fact begins on the chain, with its cause (null for facts of other roles). */
export const lineageStartOf = (event: DomainEvent): (LineageStart & { readonly kind: LineageKind }) | null => {
  const role = eventSpec(event.type).lineage;
  return role !== 'continues' && 'starts' in role ? { kind: role.starts, ...role.link(event.data) } : null;
};

/** The issue and the round a fact makes it count in (null for facts of other roles). */
export const adoptionOf = (event: DomainEvent): { readonly issueId: string; readonly roundId: string } | null => {
  const role = eventSpec(event.type).lineage;
  return role !== 'continues' && 'adopts' in role ? role.adopts(event.data) : null;
};

/** The stream of each kind of aggregate on the chain of causes and effects. */
export const LINEAGE_STREAMS: { readonly [K in LineageKind]: (id: string) => string } = {
  round: streams.round,
  task: streams.task,
  team: streams.team,
  issue: streams.issue,
  clue: streams.clue,
  rectification: streams.rectification,
  handover: streams.handover,
  'special-report': streams.specialReport,
};
