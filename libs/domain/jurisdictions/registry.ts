import type { Level } from '../kernel/actor.js';

export interface Jurisdiction {
  readonly code: string;
  readonly name: string;
  readonly level: Level;
  /** From the registry, never from the code's digits (Pingtan 350128 reports to the province). */
  readonly parent: string | null;
}

export const JURISDICTION_CODE = /^\d{6}$/;

/**
 * Read-only view of the registry (the jurisdiction directory) that deciders, projections, the
 * relay and the read policy consult. A level's live registry has one writer (the linkage's
 * JurisdictionRegistrar); everyone else sees it through this.
 */
export interface JurisdictionLookup {
  get(code: string): Jurisdiction | undefined;
  all(): readonly Jurisdiction[];
  /** Strict ancestors, nearest first. */
  ancestorsOf(code: string): string[];
  isAncestor(ancestor: string, of: string): boolean;
  /** `code` itself or one of its ancestors. */
  isSelfOrAncestor(ancestor: string, of: string): boolean;
  childrenOf(code: string): string[];
  /** `code` and all its descendants. */
  subtreeOf(code: string): string[];
}

/** The tree of jurisdictions: reference data plus what `registerJurisdiction` adds. */
export class JurisdictionRegistry implements JurisdictionLookup {
  private readonly byCode = new Map<string, Jurisdiction>();
  private readonly children = new Map<string, string[]>();

  static of(entries: Iterable<Jurisdiction>): JurisdictionRegistry {
    const registry = new JurisdictionRegistry();
    for (const entry of entries) registry.add(entry);
    return registry;
  }

  /** Idempotent for an identical entry; a parent must be added before its children. */
  add(entry: Jurisdiction): void {
    const existing = this.byCode.get(entry.code);
    if (existing) {
      if (existing.parent !== entry.parent || existing.level !== entry.level) {
        throw new Error(`jurisdiction ${entry.code} is already registered with another parent or level`);
      }
      return;
    }
    if (entry.parent !== null && !this.byCode.has(entry.parent)) {
      throw new Error(`jurisdiction ${entry.code}: parent ${entry.parent} is not registered`);
    }
    this.byCode.set(entry.code, entry);
    if (entry.parent !== null) {
      const siblings = this.children.get(entry.parent) ?? [];
      siblings.push(entry.code);
      this.children.set(entry.parent, siblings);
    }
  }

  get(code: string): Jurisdiction | undefined {
    return this.byCode.get(code);
  }

  all(): Jurisdiction[] {
    return [...this.byCode.values()];
  }

  ancestorsOf(code: string): string[] {
    const chain: string[] = [];
    let current = this.byCode.get(code)?.parent ?? null;
    while (current !== null) {
      chain.push(current);
      current = this.byCode.get(current)?.parent ?? null;
    }
    return chain;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.ancestorsOf(of).includes(ancestor);
  }

  isSelfOrAncestor(ancestor: string, of: string): boolean {
    return ancestor === of || this.isAncestor(ancestor, of);
  }

  childrenOf(code: string): string[] {
    return [...(this.children.get(code) ?? [])];
  }

  subtreeOf(code: string): string[] {
    if (!this.byCode.has(code)) return [];
    const out: string[] = [];
    const stack = [code];
    while (stack.length > 0) {
      const next = stack.pop()!;
      out.push(next);
      stack.push(...(this.children.get(next) ?? []));
    }
    return out;
  }
}

/** Parses the registry CSV (`code,name,level,parent`), parents before children or not. */
export const parseJurisdictionCsv = (text: string): Jurisdiction[] => {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const [header, ...rows] = lines;
  if (header?.trim() !== 'code,name,level,parent') throw new Error(`unexpected registry header: ${header}`);
  const entries = rows.map((row, index) => {
    const [code, name, level, parent] = row.split(',').map((cell) => cell.trim());
    if (!code || !JURISDICTION_CODE.test(code) || !name || (level !== 'province' && level !== 'city' && level !== 'county')) {
      throw new Error(`registry line ${index + 2} is malformed: ${row}`);
    }
    return { code, name, level, parent: parent ? parent : null } as Jurisdiction;
  });
  // Parents first so that `add` can check every parent exists.
  return parentsFirst(entries);
};

/** Orders entries so that each parent comes before its children, otherwise keeping their order. */
export const parentsFirst = (entries: readonly Jurisdiction[]): Jurisdiction[] => {
  const known = new Set<string>();
  const ordered: Jurisdiction[] = [];
  let pending = [...entries];
  while (pending.length > 0) {
    const ready = pending.filter((entry) => entry.parent === null || known.has(entry.parent));
    if (ready.length === 0) throw new Error(`registry has entries whose parent is missing: ${pending.map((e) => e.code).join(', ')}`);
    for (const entry of ready) {
      known.add(entry.code);
      ordered.push(entry);
    }
    // By entry, not by code: a second entry of a code stays, for `add` to accept (the same) or refuse (another).
    const placed = new Set(ready);
    pending = pending.filter((entry) => !placed.has(entry));
  }
  return ordered;
};
