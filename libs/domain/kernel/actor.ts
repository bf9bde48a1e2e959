export const ROLES = ['admin', 'leading-group', 'team', 'unit', 'handler', 'auditor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const LEVELS = ['province', 'city', 'county'] as const;
export type Level = (typeof LEVELS)[number];

/** Who runs a command: every fact records it (DESIGN.md §3.8). */
export interface Actor {
  readonly id: string;
  readonly jurisdiction: string;
  readonly role: Role;
}

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);
export const isLevel = (value: unknown): value is Level => typeof value === 'string' && (LEVELS as readonly string[]).includes(value);

/** Levels from the top down; a level's index is its depth. */
export const levelDepth = (level: Level): number => LEVELS.indexOf(level);
