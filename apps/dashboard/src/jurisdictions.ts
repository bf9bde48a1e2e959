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
