import type { Level } from '../kernel/actor.js';
import type { Message } from '../kernel/envelope.js';

export type RegisterJurisdiction = Message<'registerJurisdiction', { code: string; name: string; level: Level; parent?: string }>;

export type JurisdictionRegistered = Message<'JurisdictionRegistered', { code: string; name: string; level: Level; parent: string | null }>;
