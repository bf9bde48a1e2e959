import type { AuditEvent } from './audit/messages.js';
import type { AuthorityCommand, AuthorityEvent } from './authority/messages.js';
import type { ClueCommand, ClueEvent } from './clues/messages.js';
import type { InspectionCommand, InspectionEvent } from './inspection/messages.js';
import type { JurisdictionRegistered, RegisterJurisdiction } from './jurisdictions/messages.js';
import type { LinkageCommand, LinkageEvent } from './linkage/messages.js';
import type { RectificationCommand, RectificationEvent } from './rectification/messages.js';
import type { FollowThroughCommand, FollowThroughEvent } from './follow-through/messages.js';
import type { PoolCommand, PoolEvent } from './pool/messages.js';

export type Command = RegisterJurisdiction | InspectionCommand | ClueCommand | RectificationCommand | FollowThroughCommand | LinkageCommand | PoolCommand | AuthorityCommand;
export type CommandType = Command['type'];
export type DomainEvent = JurisdictionRegistered | InspectionEvent | ClueEvent | RectificationEvent | FollowThroughEvent | LinkageEvent | AuditEvent | PoolEvent | AuthorityEvent;
export type EventType = DomainEvent['type'];
export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;
export type CommandOfType<T extends CommandType> = Extract<Command, { type: T }>;
