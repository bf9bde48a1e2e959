import { CLUE_RECIPIENTS, EVENT_TYPES, LEVELS, LINKAGES, PETITION_CHANNELS, RECTIFICATION_STATUSES, REASSESSMENT_VERDICTS, ROLES, ROUND_KINDS, TASK_KINDS } from '#domain';
import { HANDOVER_STATUSES, LEDGER_KINDS, emptyFigures } from '#projections';
import {
  CHANNEL_LABELS,
  EVENT_LABELS,
  FIGURE_LABELS,
  HANDOVER_STATUS_LABELS,
  LEDGER_KIND_LABELS,
  LEVEL_LABELS,
  LINKAGE_LABELS,
  RECIPIENT_LABELS,
  RECTIFICATION_STATUS_LABELS,
  REASSESSMENT_LABELS,
  ROLE_LABELS,
  ROUND_KIND_LABELS,
  TASK_KIND_LABELS,
  TASK_STATUS_LABELS,
} from '../../apps/dashboard/src/labels.js';

/** The dotted paths of every numeric figure of a report (issuesByCategory is data, labelled by its key). */
const figurePaths = (node: Record<string, unknown>, prefix = ''): string[] =>
  Object.entries(node).flatMap(([key, value]) => {
    if (key === 'issuesByCategory') return [];
    if (typeof value === 'number') return [`${prefix}${key}`];
    if (value !== null && typeof value === 'object') return figurePaths(value as Record<string, unknown>, `${prefix}${key}.`);
    return [];
  });

const CHINESE = /\p{Script=Han}/u;

describe('the dashboard label dictionary (apps/dashboard/src/labels.ts)', () => {
  it('names every report figure of DESIGN.md §5 and §8.2 in Chinese, and no figure the report lacks', () => {
    const paths = figurePaths(emptyFigures('350000', '福建省', 'province') as unknown as Record<string, unknown>);
    expect(paths.length).toBeGreaterThan(60);
    expect(paths.filter((path) => !CHINESE.test(FIGURE_LABELS[path] ?? ''))).toEqual([]);
    expect(Object.keys(FIGURE_LABELS).filter((path) => !paths.includes(path))).toEqual([]);
  });

  it.each([
    ['roles', ROLES, ROLE_LABELS],
    ['levels', LEVELS, LEVEL_LABELS],
    ['task kinds', TASK_KINDS, TASK_KIND_LABELS],
    ['task statuses', ['assigned', 'accepted', 'in-progress', 'completed'], TASK_STATUS_LABELS],
    ['clue and handover recipients', CLUE_RECIPIENTS, RECIPIENT_LABELS],
    ['rectification statuses', RECTIFICATION_STATUSES, RECTIFICATION_STATUS_LABELS],
    ['handover statuses', HANDOVER_STATUSES, HANDOVER_STATUS_LABELS],
    ['reassessment verdicts', REASSESSMENT_VERDICTS, REASSESSMENT_LABELS],
    ['ledger kinds', LEDGER_KINDS, LEDGER_KIND_LABELS],
    ['event types', EVENT_TYPES, EVENT_LABELS],
    ['round kinds', ROUND_KINDS, ROUND_KIND_LABELS],
    ['linkage modes', LINKAGES, LINKAGE_LABELS],
    ['petition channels', PETITION_CHANNELS, CHANNEL_LABELS],
  ] as const)('names every one of the %s in Chinese', (_name, codes, labels) => {
    expect(codes.filter((code) => !CHINESE.test((labels as Record<string, string>)[code] ?? ''))).toEqual([]);
  });
});
