import { InvalidScenario, ledgerValueAt, parseScenario, valueAt } from './scenario.js';

describe('expectation paths', () => {
  const report = {
    issuesFound: 3,
    issuesByCategory: { grain: 2, 'grain.storage': 1 },
    children: [{ jurisdiction: '350624', issuesByCategory: { grain: 1 }, rectifications: { required: 4 } }],
  };

  it('name a child by its code after children', () => {
    expect(valueAt(report, 'children.350624.rectifications.required')).toBe(4);
    expect(valueAt(report, 'children.350699.rectifications.required')).toBeUndefined();
  });

  it('read a category that does not occur as 0, and one with dots of its own whole (DESIGN.md §8.5)', () => {
    expect(valueAt(report, 'issuesByCategory.grain')).toBe(2);
    expect(valueAt(report, 'issuesByCategory.coal')).toBe(0);
    expect(valueAt(report, 'issuesByCategory.grain.storage')).toBe(1);
    expect(valueAt(report, 'children.350624.issuesByCategory.coal')).toBe(0);
    // Only inside the open map: a missing fixed figure stays missing, so a typo fails the check.
    expect(valueAt(report, 'issuesFund')).toBeUndefined();
    expect(valueAt(report, 'children.350624.rectifications.requird')).toBeUndefined();
  });

  it('name a ledger row by its id, dots and all', () => {
    const view = { count: 2, rows: { 'zz-f-1': { status: 'closed' }, 'zz.f.2': { status: 'planned', reassessments: [{ verdict: 'genuine' }] } } };
    expect(ledgerValueAt(view, 'count')).toBe(2);
    expect(ledgerValueAt(view, 'rows.zz-f-1.status')).toBe('closed');
    expect(ledgerValueAt(view, 'rows.zz.f.2.status')).toBe('planned');
    expect(ledgerValueAt(view, 'rows.zz.f.2.reassessments')).toEqual([{ verdict: 'genuine' }]);
    expect(ledgerValueAt(view, 'rows.zz-f-3.status')).toBeUndefined();
  });
});

describe('a step that must be refused', () => {
  const withFails = (fails: unknown) => ({
    name: 'refusals',
    steps: [{ as: { id: 'zz-office', jurisdiction: '350600', role: 'leading-group' }, do: 'launchRound', with: { roundId: 'r' }, fails }],
    expect: [],
  });

  it('says so with true, or names the refusal it expects', () => {
    expect(parseScenario(withFails(true)).steps[0]!.fails).toBe(true);
    expect(parseScenario(withFails('AuthorisationMissing')).steps[0]!.fails).toBe('AuthorisationMissing');
  });

  it.each([['authorisation missing'], ['authorisationMissing'], [''], [1], [null]])('is refused with fails %j, naming the field', (fails) => {
    expect(() => parseScenario(withFails(fails), 'refusals.json')).toThrow(InvalidScenario);
    expect(() => parseScenario(withFails(fails), 'refusals.json')).toThrow(/refusals\.json: steps\[0\]\.fails: must be true, false or the name of the refusal/);
  });
});
