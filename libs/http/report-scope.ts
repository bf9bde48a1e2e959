import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ID_PATTERN, parseInstant } from '#domain';
import type { ReportWindow } from '#projections';
import { PARAMETER } from './api-docs.js';
import { ValidationFailed } from './problems.js';
import { IsCleanText, IsInstant, cleanTextPattern } from './validation.js';

/**
 * The scope of a report in a query string (DESIGN.md §5), described and validated alike wherever a
 * report is read: now (`GET /v1/reports/…`) or as of a past moment (the audit's as-of view).
 */
export const ScopeRoundId = () =>
  applyDecorators(
    ApiPropertyOptional({ ...PARAMETER.id, description: 'the round and every round linked below it (not with theme)' }),
    IsOptional(),
    Matches(ID_PATTERN),
  );

export const ScopeTheme = () =>
  applyDecorators(
    ApiPropertyOptional({ type: 'string', minLength: 1, maxLength: 50, pattern: cleanTextPattern(false), description: 'every round of this theme (not with roundId)', example: 'grain' }),
    IsOptional(),
    IsString(),
    Length(1, 50),
    IsCleanText(),
  );

const WINDOW_BOUND = {
  ...PARAMETER.instant,
  description: 'a midnight in Asia/Shanghai (the days the counts are kept by), e.g. 2017-01-01T00:00:00+08:00',
} as const;

export const ScopeFrom = () =>
  applyDecorators(
    ApiPropertyOptional({
      ...WINDOW_BOUND,
      description: `window start, included: only facts whose domain time is at or after it (${WINDOW_BOUND.description})`,
      example: '2017-01-01T00:00:00+08:00',
    }),
    IsOptional(),
    IsInstant(),
  );

export const ScopeTo = () =>
  applyDecorators(
    ApiPropertyOptional({
      ...WINDOW_BOUND,
      description: `window end, excluded: only facts whose domain time is before it; later than from (${WINDOW_BOUND.description})`,
      example: '2022-01-01T00:00:00+08:00',
    }),
    IsOptional(),
    IsInstant(),
  );

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/**
 * The report window of a query string's `from`/`to` (already well-formed instants), or undefined
 * when neither is given. Refused, naming the field and the rule: a bound that is not a midnight in
 * Asia/Shanghai (`wholeDay`: the counts are kept by day), and `from` not before `to` (`afterFrom`).
 */
export const windowOf = (from: string | undefined, to: string | undefined): ReportWindow | undefined => {
  if (from === undefined && to === undefined) return undefined;
  const errors: { field: string; rule: string; message: string }[] = [];
  const bound = (field: 'from' | 'to', value: string | undefined): string | null => {
    if (value === undefined) return null;
    const parsed = parseInstant(value);
    if (!parsed.ok) {
      errors.push({ field, rule: 'isInstant', message: `${field} ${parsed.message}` });
      return null;
    }
    if ((parsed.millis + SHANGHAI_OFFSET_MS) % DAY_MS !== 0) {
      errors.push({ field, rule: 'wholeDay', message: `${field} must be a midnight in Asia/Shanghai (e.g. 2017-01-01T00:00:00+08:00): reports count by day` });
    }
    return parsed.instant;
  };
  const window = { from: bound('from', from), to: bound('to', to) };
  if (errors.length === 0 && window.from !== null && window.to !== null && Date.parse(window.from) >= Date.parse(window.to)) {
    errors.push({ field: 'to', rule: 'afterFrom', message: 'to must be later than from: the window [from, to) would be empty' });
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
  return window;
};
