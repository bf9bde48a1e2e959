import { reactive } from 'vue';

/** Names of jurisdictions the page has seen in reports, for selectors and breadcrumbs. */
export const knownNames = reactive(new Map<string, string>());
/** Parents learnt from drilling down (a child is listed in its parent's report), for the way back up. */
export const knownParents = reactive(new Map<string, string>());

export const learnFrom = (report: { jurisdiction: string; name: string; children: { jurisdiction: string; name: string }[] }): void => {
  knownNames.set(report.jurisdiction, report.name);
  for (const child of report.children) {
    knownNames.set(child.jurisdiction, child.name);
    knownParents.set(child.jurisdiction, report.jurisdiction);
  }
};

/** The path from `root` down to `code`, as far as the page knows it. */
export const trailTo = (root: string, code: string): { code: string; name: string }[] => {
  const trail: { code: string; name: string }[] = [];
  let current: string | undefined = code;
  while (current !== undefined) {
    trail.unshift({ code: current, name: knownNames.get(current) ?? current });
    if (current === root) break;
    current = knownParents.get(current);
  }
  return trail;
};

/** Codes whose names were asked for once already (answered or refused): never asked again. */
const asked = new Set<string>();

/**
 * Learns the names of jurisdictions a list shows by code (a ledger's rows lie anywhere in the
 * subtree, grandchildren too). The API has no registry to read; a report names its jurisdiction and
 * children, so the report of the viewed jurisdiction comes first (one read names it and its
 * children), then the report of each code still unnamed (a county's is small). Each is asked once.
 */
export const learnNames = async (viewed: string, codes: Iterable<string>, read: (code: string) => Promise<{ jurisdiction: string; name: string; children: { jurisdiction: string; name: string }[] }>): Promise<void> => {
  const ask = async (code: string) => {
    if (knownNames.has(code) || asked.has(code)) return;
    asked.add(code);
    try {
      learnFrom(await read(code));
    } catch {
      // a code the reader may not read stays shown as a code
    }
  };
  await ask(viewed);
  await Promise.all([...new Set(codes)].map(ask));
};
