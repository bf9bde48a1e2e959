/** The inspection context: units, rounds, teams, petitions, issues, feedback, special reports. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { noRound, roundIdOf, startsAggregate, travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { poolStreamsFor } from '../pool/recusal.js';
import { streams } from '../streams.js';
import type { RoundFacts } from '../world.js';
import {
  decideCloseRound,
  decideDeliverFeedback,
  decideFormTeam,
  decideLaunchRound,
  decidePlanRound,
  decideReceivePetitions,
  decideRecordIssue,
  decideRegisterUnit,
  decideStationTeam,
  decideSubmitSpecialReport,
} from './decide.js';
import type { InspectionCommand, InspectionEvent, TeamMember } from './messages.js';
import { LINKAGES, PETITION_CHANNELS, ROUND_KINDS } from './messages.js';
import { AUTHORISING_OFFICES } from '../authority/messages.js';

const member = field.object(
  {
    personId: field.id('the person: an id the office keeps, never a name'),
    homeJurisdiction: field.code('where the person serves'),
    homeUnitId: field.optional(field.id('the unit where the person works: recusal keeps the team away from it')),
  },
  'a team member',
);

export const inspectionCommands: CommandCatalogue<InspectionCommand['type']> = {
  registerUnit: {
    summary: 'leading group: register an inspectable unit in its jurisdiction or below',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'registerUnit' }>['data']>()({
      unitId: field.id(),
      name: field.text(200),
      jurisdiction: field.code('the jurisdiction the unit belongs to'),
      kind: field.optional(field.text(50, { description: 'department, soe, party-committee, ...' })),
    }),
    example: { unitId: 'za-grain-depot', name: '诏安县中心粮库', jurisdiction: '350624', kind: 'soe' },
    target: (data) => streams.unit(data.unitId),
    reads: () => [],
    decide: decideRegisterUnit,
  },
  planRound: {
    summary: 'leading group: plan an inspection round over target units',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'planRound' }>['data']>()({
      roundId: field.id(),
      title: field.text(200),
      kind: field.oneOf(ROUND_KINDS),
      theme: field.optional(field.text(50, { description: 'grain, poverty, coal, ...: what theme reports group rounds by' })),
      linkage: field.optional(field.oneOf(LINKAGES)),
      parentRoundId: field.optional(field.id('a round of an ancestor this round is linked below')),
      lookBackOf: field.optional(field.id('with kind look-back: the round whose rectifications it checks (回头看), of this jurisdiction or below')),
      targets: field.list(field.id(), 1, 1000, 'the units to inspect'),
      authorisedBy: field.optional(
        field.list(
          field.object({ jurisdiction: field.code(), office: field.oneOf(AUTHORISING_OFFICES) }, 'a party whose authorisation the round needs'),
          1,
          10,
          '双授权 and the like: launching and stationing wait until each of these has authorised them (docs/contract-authority.md)',
        ),
      ),
      delegatedBy: field.optional(field.code('授权巡视: the jurisdiction in whose name the round runs (this one or an ancestor; listed in authorisedBy)')),
      coOwners: field.optional(field.list(field.code(), 1, 50, '联合巡察: jurisdictions below this one that run the round with it (each listed in authorisedBy)')),
    }),
    example: { roundId: 'zz-2021-grain', title: '粮食购销领域腐败问题专项巡察', kind: 'special', theme: 'grain', parentRoundId: 'fj-2021-grain', targets: ['za-grain-depot'] },
    target: (data) => streams.round(data.roundId),
    reads: (data) => [
      ...data.targets.map(streams.unit),
      ...(data.parentRoundId ? [streams.round(data.parentRoundId)] : []),
      ...(data.lookBackOf ? [streams.round(data.lookBackOf)] : []),
    ],
    decide: decidePlanRound,
  },
  launchRound: {
    summary: 'leading group: launch a planned round (mobilisation meeting)',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'launchRound' }>['data']>()({ roundId: field.id() }),
    example: { roundId: 'zz-2021-grain' },
    target: (data) => streams.round(data.roundId),
    // Only a round that declares authority consults its authorisations: the others read what they always did.
    reads: (data, world) => (world.rounds.get(data.roundId)?.authority ? [streams.authorisations(data.roundId)] : []),
    decide: decideLaunchRound,
  },
  formTeam: {
    summary: "leading group of the round's owner, or of a co-owner of a joint round (联合巡察): form an inspection team for a round",
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'formTeam' }>['data']>()({
      teamId: field.id(),
      roundId: field.id(),
      leader: member,
      members: field.list(member, 0, 100),
    }),
    example: {
      teamId: 'zz-2021-grain-team-1',
      roundId: 'zz-2021-grain',
      leader: { personId: 'zz-cadre-17', homeJurisdiction: '350600' },
      members: [{ personId: 'za-cadre-3', homeJurisdiction: '350624', homeUnitId: 'za-finance-bureau' }],
    },
    target: (data) => streams.team(data.teamId),
    reads: (data, world) => {
      const round = world.rounds.get(data.roundId);
      // A joint round's co-owners form teams from their own pools: whichever office forms this one, its pool is read.
      const offices = round ? [round.owner, ...(round.authority?.coOwners ?? [])] : [];
      return [streams.round(data.roundId), ...offices.flatMap((office) => poolStreamsFor(office, [data.leader, ...data.members]))];
    },
    decide: decideFormTeam,
  },
  stationTeam: {
    summary: "leading group of the team's office: station a team at target units (a co-owner's team only in the co-owner's subtree; refused when a member must recuse)",
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'stationTeam' }>['data']>()({ teamId: field.id(), unitIds: field.list(field.id(), 1, 1000) }),
    example: { teamId: 'zz-2021-grain-team-1', unitIds: ['za-grain-depot'] },
    target: (data) => streams.team(data.teamId),
    reads: (data, world) => {
      const team = world.teams.get(data.teamId);
      if (!team) return [];
      const authority = world.rounds.get(team.roundId)?.authority ? [streams.authorisations(team.roundId)] : [];
      return [streams.round(team.roundId), ...authority, ...poolStreamsFor(team.owner, [team.leader, ...team.members])];
    },
    decide: decideStationTeam,
  },
  receivePetitions: {
    summary: 'team: record petitions received through a channel',
    roles: ['team'],
    input: inputOf<Extract<InspectionCommand, { type: 'receivePetitions' }>['data']>()({
      teamId: field.id(),
      channel: field.oneOf(PETITION_CHANNELS),
      count: field.integer(1, 1_000_000),
    }),
    example: { teamId: 'zz-2021-grain-team-1', channel: 'visit', count: 35 },
    target: (data) => streams.team(data.teamId),
    reads: (data, world) => {
      const team = world.teams.get(data.teamId);
      return team ? [streams.round(team.roundId)] : [];
    },
    decide: decideReceivePetitions,
  },
  recordIssue: {
    summary: 'team: record an issue found at a unit where it is stationed',
    roles: ['team'],
    input: inputOf<Extract<InspectionCommand, { type: 'recordIssue' }>['data']>()({
      issueId: field.id(),
      roundId: field.id(),
      teamId: field.id(),
      unitId: field.id(),
      category: field.text(100, { description: 'grain, poverty, discipline, ...: what issue counts are broken down by' }),
      summary: field.text(4000, { multiline: true }),
      immediate: field.optional(field.boolean('立行立改: rectified on the spot')),
    }),
    example: {
      issueId: 'za-issue-1',
      roundId: 'zz-2021-grain',
      teamId: 'zz-2021-grain-team-1',
      unitId: 'za-grain-depot',
      category: 'grain',
      summary: '粮库账实不符,虚报储备粮数量',
    },
    target: (data) => streams.issue(data.issueId),
    reads: (data) => [streams.round(data.roundId), streams.team(data.teamId), streams.unit(data.unitId)],
    decide: decideRecordIssue,
  },
  deliverFeedback: {
    summary: 'leading group: deliver inspection feedback to a unit',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'deliverFeedback' }>['data']>()({ roundId: field.id(), unitId: field.id() }),
    example: { roundId: 'zz-2021-grain', unitId: 'za-grain-depot' },
    target: (data) => streams.round(data.roundId),
    reads: () => [],
    decide: decideDeliverFeedback,
  },
  submitSpecialReport: {
    summary: 'leading group: submit a special report on a round',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'submitSpecialReport' }>['data']>()({
      reportId: field.id(),
      roundId: field.id(),
      theme: field.text(50),
      recipients: field.list(field.text(200), 1, 100, 'who receives it: offices, by name'),
    }),
    example: { reportId: 'fj-2021-grain-report', roundId: 'fj-2021-grain', theme: 'grain', recipients: ['省委', '省纪委监委'] },
    target: (data) => streams.specialReport(data.reportId),
    reads: (data) => [streams.round(data.roundId)],
    decide: decideSubmitSpecialReport,
  },
  closeRound: {
    summary: 'leading group: close a launched round',
    roles: ['leading-group'],
    input: inputOf<Extract<InspectionCommand, { type: 'closeRound' }>['data']>()({ roundId: field.id() }),
    example: { roundId: 'zz-2021-grain' },
    target: (data) => streams.round(data.roundId),
    reads: () => [],
    decide: decideCloseRound,
  },
};

const ROUND_STAGE = { planned: 0, launched: 1, closed: 2 } as const;

/** Where team members work stays with the level that formed the team. */
const withoutWorkplace = ({ personId, homeJurisdiction }: TeamMember): TeamMember => ({ personId, homeJurisdiction });

export const inspectionEvents: EventCatalogue<InspectionEvent['type']> = {
  UnitRegistered: {
    stream: (data) => streams.unit(data.unitId),
    evolve: (world, data) => {
      world.units.set(data.unitId, { unitId: data.unitId, name: data.name, jurisdiction: data.jurisdiction });
    },
    concerns: (data) => [data.jurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'unread',
    round: noRound,
    lineage: 'continues',
  },
  RoundPlanned: {
    stream: (data) => streams.round(data.roundId),
    evolve: (world, data) => {
      const existing = world.rounds.get(data.roundId);
      const facts: RoundFacts = {
        roundId: data.roundId,
        owner: data.owner,
        kind: data.kind,
        theme: data.theme,
        linkage: data.linkage,
        parentRoundId: data.parentRoundId,
        lookBackOf: data.lookBackOf ?? null,
        targets: data.targets,
        feedbackDeliveredTo: existing?.feedbackDeliveredTo ?? [],
        authority: data.authority ?? null,
      };
      world.rounds.set(data.roundId, existing ? { ...existing, ...facts } : { ...facts, status: 'planned' });
    },
    concerns: (data) => [data.owner],
    announce: 'everyone',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('round', (data) => ({ id: data.roundId, whose: data.owner, causedBy: data.parentRoundId ? { kind: 'round', id: data.parentRoundId } : null })),
  },
  RoundLaunched: {
    stream: (data) => streams.round(data.roundId),
    evolve: (world, data, occurredAt) => {
      const round = world.rounds.get(data.roundId);
      if (round && ROUND_STAGE[round.status] < ROUND_STAGE.launched) world.rounds.set(round.roundId, { ...round, status: 'launched', launchedAt: occurredAt });
    },
    concerns: (data) => [data.owner],
    announce: 'everyone',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  RoundClosed: {
    stream: (data) => streams.round(data.roundId),
    evolve: (world, data, occurredAt) => {
      const round = world.rounds.get(data.roundId);
      if (round) world.rounds.set(round.roundId, { ...round, status: 'closed', closedAt: occurredAt });
    },
    concerns: (data) => [data.owner],
    announce: 'everyone',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  FeedbackDelivered: {
    stream: (data) => streams.round(data.roundId),
    evolve: (world, data) => {
      const round = world.rounds.get(data.roundId);
      if (round) world.rounds.set(round.roundId, { ...round, feedbackDeliveredTo: [...round.feedbackDeliveredTo, data.unitId] });
    },
    // 双报告: the parties that authorised the round hear of the report delivered to them.
    concerns: (data) => [data.owner, data.unitJurisdiction, ...(data.reportedTo ?? []).map((party) => party.jurisdiction)],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  TeamFormed: {
    stream: (data) => streams.team(data.teamId),
    evolve: (world, data) => {
      world.teams.set(data.teamId, { status: 'formed', teamId: data.teamId, roundId: data.roundId, owner: data.owner, leader: data.leader, members: data.members });
    },
    concerns: (data) => [data.owner],
    announce: 'concerned',
    // poolMembers and coreSpecialtiesMissing travel: counts and specialty names, nobody's record.
    publicView: (data) => ({ ...data, leader: withoutWorkplace(data.leader), members: data.members.map(withoutWorkplace) }),
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('team', (data) => ({ id: data.teamId, whose: data.owner, causedBy: { kind: 'round', id: data.roundId } })),
  },
  TeamStationed: {
    stream: (data) => streams.team(data.teamId),
    evolve: (world, data) => {
      const team = world.teams.get(data.teamId);
      if (!team) return;
      const before = team.status === 'stationed' ? team.stationedAt : [];
      const stationedAt = [...new Set([...before, ...data.units.map((unit) => unit.unitId)])];
      world.teams.set(team.teamId, { ...team, status: 'stationed', stationedAt });
    },
    concerns: (data) => [data.owner, ...data.units.map((unit) => unit.jurisdiction)],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  PetitionsReceived: {
    stream: (data) => streams.team(data.teamId),
    // Counted by the projections; no decision depends on it.
    evolve: () => {},
    concerns: (data) => [data.owner],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  IssueFound: {
    stream: (data) => streams.issue(data.issueId),
    evolve: (world, data) => {
      const existing = world.issues.get(data.issueId);
      world.issues.set(data.issueId, {
        issueId: data.issueId,
        roundId: data.roundId,
        owner: data.owner,
        unitId: data.unitId,
        unitJurisdiction: data.unitJurisdiction,
        escalation: existing?.escalation ?? { status: 'none' },
        supervisedBy: existing?.supervisedBy ?? [],
      });
    },
    concerns: (data) => [data.owner, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('issue', (data) => ({ id: data.issueId, whose: data.unitJurisdiction, causedBy: { kind: 'round', id: data.roundId } })),
  },
  SpecialReportSubmitted: {
    stream: (data) => streams.specialReport(data.reportId),
    evolve: (world, data) => {
      world.specialReports.add(data.reportId);
    },
    concerns: (data) => [data.owner],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('special-report', (data) => ({ id: data.reportId, whose: data.owner, causedBy: { kind: 'round', id: data.roundId } })),
  },
};
