/** Rectification required of a unit for an issue, and its completion. */
import type { CommandCatalogue, EventCatalogue } from '../kernel/catalogue.js';
import { travelsWhole } from '../kernel/catalogue.js';
import { field, inputOf } from '../kernel/schema.js';
import { streams } from '../streams.js';
import { decideCompleteRectification, decideRequireRectification } from './decide.js';
import type { RectificationCommand, RectificationEvent } from './messages.js';

export const rectificationCommands: CommandCatalogue<RectificationCommand['type']> = {
  requireRectification: {
    summary: 'leading group: require a unit to rectify an issue by a date',
    roles: ['leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'requireRectification' }>['data']>()({
      rectificationId: field.id(),
      issueId: field.id(),
      unitId: field.id('the unit the issue was found at'),
      dueBy: field.instant(),
    }),
    example: { rectificationId: 'za-fix-1', issueId: 'za-issue-1', unitId: 'za-grain-depot', dueBy: '2021-12-31T00:00:00+08:00' },
    target: (data) => streams.rectification(data.rectificationId),
    reads: (data) => [streams.issue(data.issueId)],
    decide: decideRequireRectification,
  },
  completeRectification: {
    summary: "unit or its jurisdiction's leading group: record a rectification as completed",
    roles: ['unit', 'leading-group'],
    input: inputOf<Extract<RectificationCommand, { type: 'completeRectification' }>['data']>()({ rectificationId: field.id() }),
    example: { rectificationId: 'za-fix-1' },
    target: (data) => streams.rectification(data.rectificationId),
    reads: () => [],
    decide: decideCompleteRectification,
  },
};

export const rectificationEvents: EventCatalogue<RectificationEvent['type']> = {
  RectificationRequired: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data) => {
      if (!world.rectifications.has(data.rectificationId)) world.rectifications.set(data.rectificationId, { ...data, status: 'required' });
    },
    concerns: (data) => [data.owner, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'unread',
  },
  RectificationCompleted: {
    stream: (data) => streams.rectification(data.rectificationId),
    evolve: (world, data, occurredAt) => {
      const { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy } = data;
      world.rectifications.set(rectificationId, { rectificationId, issueId, roundId, owner, unitId, unitJurisdiction, dueBy, status: 'completed', completedAt: occurredAt });
    },
    concerns: (data) => [data.owner, data.unitJurisdiction],
    announce: 'concerned',
    publicView: travelsWhole,
    provenance: 'unread',
  },
};
