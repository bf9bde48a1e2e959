import type { CommandCatalogue, CommandType, DomainEvent, EventCatalogue, EventType } from '#domain';
import { COMMANDS, COMMAND_TYPES, EVENTS, EVENT_TYPES, LINEAGE_STREAMS, adoptionOf, lineageKindOf, lineageStartOf, publicData, roundOfFact, streamOf } from '#domain';
import {
  PROVINCE,
  ZHANGZHOU,
  ZHAOAN,
  ZHAOAN_DEPOT,
  clueTransferred,
  issueFound,
  rectificationRequired,
  roundLaunched,
  roundPlanned,
  taskAssigned,
  teamFormed,
  unitRegistered,
} from '../../test/support/facts.js';

describe('the catalogue', () => {
  it('must name every command and event type: one left out does not compile (npm test type-checks this file)', () => {
    const { IssueFound: _event, ...eventsWithoutOne } = EVENTS;
    // @ts-expect-error IssueFound has no entry
    const events: EventCatalogue<EventType> = eventsWithoutOne;
    const { recordIssue: _command, ...commandsWithoutOne } = COMMANDS;
    // @ts-expect-error recordIssue has no entry
    const commands: CommandCatalogue<CommandType> = commandsWithoutOne;
    expect(Object.keys(events)).not.toContain('IssueFound');
    expect(Object.keys(commands)).not.toContain('recordIssue');
    expect(EVENT_TYPES).toContain('IssueFound');
    expect(COMMAND_TYPES).toContain('recordIssue');
  });

  it.each(EVENT_TYPES)('%s says explicitly what crosses levels, who hears of it and what it concerns', (type) => {
    const spec = EVENTS[type];
    expect(typeof spec.publicView).toBe('function');
    expect(['concerned', 'everyone', 'above']).toContain(spec.announce);
    expect(typeof spec.concerns).toBe('function');
    expect(['read', 'unread']).toContain(spec.provenance);
  });

  it.each(COMMAND_TYPES)('%s names its roles, its input schema and an example', (type) => {
    const spec = COMMANDS[type];
    expect(spec.roles.length).toBeGreaterThan(0);
    expect(spec.input.kind).toBe('object');
    expect(Object.keys(spec.input.fields).length).toBeGreaterThan(0);
    // The example names only fields the schema knows, and every required one.
    const required = Object.entries(spec.input.fields).filter(([, field]) => !field.optional).map(([name]) => name);
    for (const name of Object.keys(spec.example)) expect(Object.keys(spec.input.fields)).toContain(name);
    for (const name of required) expect(Object.keys(spec.example)).toContain(name);
  });

  it('keeps what the public view withholds at the recording level', () => {
    const team: DomainEvent = {
      type: 'TeamFormed',
      data: { teamId: 't', roundId: 'r', owner: ZHANGZHOU, leader: { personId: 'p1', homeJurisdiction: ZHANGZHOU, homeUnitId: 'u1' }, members: [{ personId: 'p2', homeJurisdiction: ZHANGZHOU, homeUnitId: 'u2' }] },
    };
    expect(JSON.stringify(publicData(team))).not.toContain('homeUnitId');
    const issue = issueFound('i-1', 'r', 't', ZHANGZHOU, ZHAOAN_DEPOT);
    expect(publicData(issue)).toEqual(issue);
  });

  describe('the chain of causes and effects an auditor traces', () => {
    const leader = { personId: 'p1', homeJurisdiction: ZHANGZHOU, homeUnitId: 'u1' };
    const starting: [DomainEvent, string, { kind: string; id: string } | null][] = [
      [roundPlanned('zz-r', ZHANGZHOU, [ZHAOAN_DEPOT], { parentRoundId: 'fj-r' }), ZHANGZHOU, { kind: 'round', id: 'fj-r' }],
      [roundPlanned('fj-r', PROVINCE, []), PROVINCE, null],
      [taskAssigned('t-1', PROVINCE, ZHANGZHOU, { roundId: 'fj-r' }), ZHANGZHOU, { kind: 'round', id: 'fj-r' }],
      [teamFormed('team-1', 'zz-r', ZHANGZHOU, leader), ZHANGZHOU, { kind: 'round', id: 'zz-r' }],
      [issueFound('i-1', 'zz-r', 'team-1', ZHANGZHOU, ZHAOAN_DEPOT), ZHAOAN, { kind: 'round', id: 'zz-r' }],
      [clueTransferred('c-1', 'zz-r', 'team-1', ZHANGZHOU, { issueId: 'i-1' }), ZHANGZHOU, { kind: 'issue', id: 'i-1' }],
      [clueTransferred('c-2', 'zz-r', 'team-1', ZHANGZHOU, { issueId: null }), ZHANGZHOU, { kind: 'round', id: 'zz-r' }],
      [rectificationRequired('x-1', 'i-1', 'zz-r', ZHANGZHOU, ZHAOAN_DEPOT), ZHANGZHOU, { kind: 'issue', id: 'i-1' }],
      [
        { type: 'SpecialReportSubmitted', data: { reportId: 'sr-1', roundId: 'zz-r', owner: ZHANGZHOU, theme: 'grain', recipients: [PROVINCE] } },
        ZHANGZHOU,
        { kind: 'round', id: 'zz-r' },
      ],
      [
        { type: 'IssueHandedOver', data: { handoverId: 'h-1', issueId: 'i-1', roundId: 'zz-r', owner: ZHANGZHOU, unitId: ZHAOAN_DEPOT.unitId, unitJurisdiction: ZHAOAN, recipient: 'discipline', dueBy: '2025-09-30T16:00:00.000Z' } },
        ZHANGZHOU,
        { kind: 'issue', id: 'i-1' },
      ],
    ];

    it.each(starting)('a fact that begins an aggregate lies in that aggregate\'s stream, and names its cause (%#)', (event, whose, causedBy) => {
      const start = lineageStartOf(event)!;
      expect(start).not.toBeNull();
      expect(lineageKindOf(event.type)).toBe(start.kind);
      expect(LINEAGE_STREAMS[start.kind](start.id)).toBe(streamOf(event));
      expect(start.causedBy).toEqual(causedBy);
      expect(start.whose).toBe(whose);
    });

    it('facts that change an aggregate already on the chain link nothing new, and every fact names its round or none', () => {
      const launched = roundLaunched('zz-r', ZHANGZHOU);
      expect(lineageKindOf('RoundLaunched')).toBe('continues');
      expect(lineageStartOf(launched)).toBeNull();
      expect(adoptionOf(launched)).toBeNull();
      expect(roundOfFact(launched)).toBe('zz-r');
      expect(roundOfFact(unitRegistered(ZHAOAN_DEPOT))).toBeNull();
      for (const [event] of starting) expect(roundOfFact(event)).toBe((event.data as { roundId: string | null }).roundId);
      const adopted: DomainEvent = { type: 'FindingAdopted', data: { issueId: 'i-1', roundId: 'fj-r' } as never };
      expect(lineageKindOf('FindingAdopted')).toBe('adopts');
      expect(adoptionOf(adopted)).toEqual({ issueId: 'i-1', roundId: 'fj-r' });
    });

    it.each(EVENT_TYPES)('%s states its place on the chain and its round', (type) => {
      const spec = EVENTS[type];
      expect(typeof spec.round).toBe('function');
      expect(['continues', 'adopts', ...Object.keys(LINEAGE_STREAMS)]).toContain(lineageKindOf(type));
    });
  });
});
