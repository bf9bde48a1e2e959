import fc from 'fast-check';
import type { ProjectionPlan } from './projector.js';
import { planFromWire, planToWire, transferablesOf } from './plan-wire.js';

/** A plan through the wire as a planning worker posts it: the buffers transferred, the strings cloned. */
const overTheWire = async (plan: ProjectionPlan): Promise<ProjectionPlan> => {
  const wire = planToWire(plan);
  const { port1, port2 } = new MessageChannel();
  // A plan that does not decode fails the test at once, instead of leaving it waiting for its timeout.
  const received = new Promise<ProjectionPlan>((resolve, reject) =>
    port2.once('message', (message) => {
      try {
        resolve(planFromWire(message as typeof wire));
      } catch (error) {
        reject(error as Error);
      }
    }),
  );
  port1.postMessage(wire, transferablesOf(wire));
  // Transferred, not copied: the sender's buffers are gone.
  expect(wire.tags.byteLength).toBe(0);
  const plan2 = await received;
  port1.close();
  return plan2;
};

describe('projection plans on the wire between threads', () => {
  it('arrive equal value for value: nulls, undefined fields, booleans, odd numbers, nested rows, repeated and unusual strings', async () => {
    const measures = [{ measure: '整改措施一', dueBy: '2025-06-30T00:00:00.000Z' }, { measure: '', dueBy: null }];
    const plan = {
      counters: ['350600', 'round-1', 'issuesFound', 3, '350600', '', 'petitions', -2.5],
      dayCounters: ['350600', 'round-1', 'issuesFound', '2025-03-01', 3],
      rows: [
        ['jurisdiction', '350600', '漳州市', 'city', null, 1],
        ['rectification', { type: 'RectificationPlanned', data: { rectificationId: 'fix-1', measures, responsibleLeader: undefined, forAttempt: 1, typical: false, immediate: true } }, '2025-03-01T08:00:00.000Z', 7],
        ['progressTask', '2025-03-01T08:00:00.000Z', null, 'task-1'],
        ['history', 'task-1', 9, 'TaskCompleted', '2025-03-01T08:00:00.000Z', 'leader@350600', null, null, 'done'],
        ['odd', Number.NaN, -0, Number.MAX_SAFE_INTEGER, 1e-300, Number.POSITIVE_INFINITY, [], {}, [[[]]], { ['__proto__']: 'a key, not a prototype' }],
      ],
    } as unknown as ProjectionPlan;
    const received = await overTheWire(plan);
    // toStrictEqual tells an undefined field from a missing one, and -0 from 0.
    expect(received).toStrictEqual(plan);
    expect(Object.getPrototypeOf((received.rows[4] as unknown as unknown[])[9])).toBe(Object.prototype);
  });

  it('send each distinct string once', () => {
    const rows = Array.from({ length: 1000 }, (_, index) => ['stationedOn', `team-${index % 10}`, 'unit-1', '2025-03-01', 'round-1', '350600', '350624']);
    const wire = planToWire({ counters: [], dayCounters: [], rows } as unknown as ProjectionPlan);
    // Property names (counters, dayCounters, rows) and the values: 3 + 10 teams + 6 others.
    expect(wire.strings).toHaveLength(19);
  });

  it('refuse what is not plain data rather than change it on the way', () => {
    const withDate = { counters: [], dayCounters: [], rows: [['launchRound', 'round-1', '350600', new Date(0)]] } as unknown as ProjectionPlan;
    expect(() => planToWire(withDate)).toThrow('a projection plan holds only plain data, not a Date');
    const withFunction = { counters: [], dayCounters: [], rows: [['unit', () => 'u']] } as unknown as ProjectionPlan;
    expect(() => planToWire(withFunction)).toThrow('a projection plan holds only plain data, not a function');
  });
});

describe('projection plans on the wire, whatever their size', () => {
  /** JSON-like values as plans hold them, strings of any length and script included. */
  const value = fc.letrec((tie) => ({
    leaf: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
    node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 6 }), fc.dictionary(fc.string({ maxLength: 12 }), tie('node'), { maxKeys: 5, noNullPrototype: true })),
  })).node;
  const planOf = (rows: unknown[]): ProjectionPlan => ({ counters: [], dayCounters: [], rows }) as unknown as ProjectionPlan;

  it('arrive strictly equal for random plans of a few values to a few thousand', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { maxLength: 12 }), { maxLength: 400 }), async (rows) => {
        const plan = planOf(rows);
        expect(await overTheWire(plan)).toStrictEqual(plan);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['an empty plan', 0, 0],
    ['one value past the first buffer (16,384 values)', 16_385, 1],
    ['about a megabyte of distinct strings', 4_096, 256],
    ['about eight megabytes of one repeated string', 2, 4 << 20],
  ])('arrive strictly equal: %s', async (_name, rowCount, textLength) => {
    const rows = Array.from({ length: rowCount }, (_, index) => ['issue', textLength <= 1 ? index : `${index}:${'整'.repeat(textLength)}`]);
    const plan = planOf(rows);
    expect(await overTheWire(plan)).toStrictEqual(plan);
  });
});
