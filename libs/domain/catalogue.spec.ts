import type { CommandCatalogue, CommandType, DomainEvent, EventCatalogue, EventType } from '#domain';
import { COMMANDS, COMMAND_TYPES, EVENTS, EVENT_TYPES, publicData } from '#domain';
import { ZHANGZHOU, ZHAOAN_DEPOT, issueFound } from '../../test/support/facts.js';

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
});
