import type { Message } from '../kernel/envelope.js';

export type RequireRectification = Message<'requireRectification', { rectificationId: string; issueId: string; unitId: string; dueBy: string }>;
export type CompleteRectification = Message<'completeRectification', { rectificationId: string }>;
export type RectificationCommand = RequireRectification | CompleteRectification;

export type RectificationRequired = Message<
  'RectificationRequired',
  { rectificationId: string; issueId: string; roundId: string; owner: string; unitId: string; unitJurisdiction: string; dueBy: string }
>;
export type RectificationCompleted = Message<
  'RectificationCompleted',
  { rectificationId: string; issueId: string; roundId: string; owner: string; unitId: string; unitJurisdiction: string; dueBy: string }
>;
export type RectificationEvent = RectificationRequired | RectificationCompleted;
