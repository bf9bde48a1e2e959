import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ID_PATTERN } from '#domain';
import { PARAMETER } from './api-docs.js';
import { IsCleanText, cleanTextPattern } from './validation.js';

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
