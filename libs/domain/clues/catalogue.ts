/** Clues transferred to handling organs and their disposal. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { roundIdOf, startsAggregate, travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import { decideConcludeClue, decideDisposeClue, decideTransferClue } from './decide.js';
import type { ClueCommand, ClueEvent } from './messages.js';
import { CLUE_RECIPIENTS, DISPOSAL_OUTCOMES } from './messages.js';

export const clueCommands: CommandCatalogue<ClueCommand['type']> = {
  transferClue: {
    summary: 'team: transfer a clue to a handling organ',
    roles: ['team'],
    input: inputOf<Extract<ClueCommand, { type: 'transferClue' }>['data']>()({
      clueId: field.id(),
      roundId: field.id(),
      teamId: field.id(),
      issueId: field.optional(field.id('the issue the clue is about: the clue then counts at its unit')),
      recipient: field.oneOf(CLUE_RECIPIENTS),
      subjectRank: field.optional(field.text(50, { description: 'rank of the official concerned, e.g. county-managed' })),
      summary: field.text(4000, { multiline: true, description: 'stays at the level that recorded it' }),
    }),
    example: { clueId: 'za-clue-1', roundId: 'zz-2021-grain', teamId: 'zz-2021-grain-team-1', issueId: 'za-issue-1', recipient: 'discipline', subjectRank: 'county-managed', summary: '粮库主任涉嫌违规收受好处' },
    target: (data) => streams.clue(data.clueId),
    reads: (data) => [streams.round(data.roundId), streams.team(data.teamId), ...(data.issueId ? [streams.issue(data.issueId)] : [])],
    decide: decideTransferClue,
  },
  disposeClue: {
    summary: 'handler: record a disposal of a clue (persons affected)',
    roles: ['handler'],
    input: inputOf<Extract<ClueCommand, { type: 'disposeClue' }>['data']>()({
      clueId: field.id(),
      outcome: field.oneOf(DISPOSAL_OUTCOMES),
      persons: field.integer(1, 100_000, 'how many persons this disposal concerns'),
    }),
    example: { clueId: 'za-clue-1', outcome: 'case-filed', persons: 2 },
    target: (data) => streams.clue(data.clueId),
    reads: () => [],
    decide: decideDisposeClue,
  },
  concludeClue: {
    summary: 'handler: conclude a clue',
    roles: ['handler'],
    input: inputOf<Extract<ClueCommand, { type: 'concludeClue' }>['data']>()({ clueId: field.id() }),
    example: { clueId: 'za-clue-1' },
    target: (data) => streams.clue(data.clueId),
    reads: () => [],
    decide: decideConcludeClue,
  },
};

export const clueEvents: EventCatalogue<ClueEvent['type']> = {
  ClueTransferred: {
    stream: (data) => streams.clue(data.clueId),
    evolve: (world, data) => {
      const existing = world.clues.get(data.clueId);
      world.clues.set(data.clueId, {
        status: existing?.status ?? 'open',
        clueId: data.clueId,
        roundId: data.roundId,
        owner: data.owner,
        attributedTo: data.attributedTo,
        dispositions: existing?.dispositions ?? [],
      });
    },
    concerns: (data) => [data.owner, data.attributedTo],
    announce: 'concerned',
    // What a clue says about an official stays with the level that recorded it.
    publicView: ({ summary: _withheld, ...rest }) => rest,
    provenance: 'read',
    round: roundIdOf,
    lineage: startsAggregate('clue', (data) => ({ id: data.clueId, whose: data.owner, causedBy: data.issueId ? { kind: 'issue', id: data.issueId } : { kind: 'round', id: data.roundId } })),
  },
  ClueDisposed: {
    stream: (data) => streams.clue(data.clueId),
    evolve: (world, data) => {
      const clue = world.clues.get(data.clueId);
      if (clue) world.clues.set(clue.clueId, { ...clue, dispositions: [...clue.dispositions, { outcome: data.outcome, persons: data.persons }] });
    },
    concerns: (data) => [data.owner, data.attributedTo],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
  ClueConcluded: {
    stream: (data) => streams.clue(data.clueId),
    evolve: (world, data) => {
      const clue = world.clues.get(data.clueId);
      if (clue) world.clues.set(clue.clueId, { ...clue, status: 'concluded' });
    },
    concerns: (data) => [data.owner, data.attributedTo],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'read',
    round: roundIdOf,
    lineage: 'continues',
  },
};
