/**
 * Validation rules the edge applies to every body, query string and header that can reach a fact.
 * Each is a named class-validator rule, so a refusal names the field and the rule.
 */
import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import type { ValidationArguments, ValidationOptions } from 'class-validator';
import { IsArray, IsDefined, IsObject, ValidateBy, ValidateNested } from 'class-validator';
import { INSTANT_FORMAT, isWellFormedText, parseInstant } from '#domain';
import { ValidationFailed } from './problems.js';

/** Strict ISO 8601 instant with offset, read by the same parser that later compares it. */
export const IsInstant = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseInstant(value).ok,
        defaultMessage: (args?: ValidationArguments) => {
          const value = args?.value;
          const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
          return `${args?.property ?? 'value'} ${parsed && !parsed.ok && parsed.problem !== 'format' ? parsed.message : `must be ${INSTANT_FORMAT}`}`;
        },
      },
    },
    options,
  );

// Character classes, kept as text so that the OpenAPI pattern (cleanTextPattern) is made of the same ones.
// C0 controls other than tab and line breaks, DEL and the C1 controls: NUL, ANSI escape sequences.
const CONTROL_CHARACTERS = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F';
const LINE_BREAK_CHARACTERS = '\\n\\r\\u2028\\u2029';
// Bidirectional overrides and isolates: they make a text display differently from what it is.
const BIDI_CHARACTERS = '\\u202A-\\u202E\\u2066-\\u2069';
// Everything that shows nothing: whitespace (ideographic space included), zero-width characters, BOM.
const INVISIBLE_CHARACTERS = '\\s\\u200B-\\u200D\\u2060\\u180E\\uFEFF';

const CONTROL = new RegExp(`[${CONTROL_CHARACTERS}]`, 'u');
const LINE_BREAK = new RegExp(`[${LINE_BREAK_CHARACTERS}]`, 'u');
const BIDI_CONTROL = new RegExp(`[${BIDI_CHARACTERS}]`, 'u');
const INVISIBLE_ONLY = new RegExp(`^[${INVISIBLE_CHARACTERS}]*$`, 'u');

/** Why a text is refused, or undefined when it is fine. */
export const textProblem = (value: string, multiline: boolean): string | undefined => {
  if (!isWellFormedText(value)) return 'must be well-formed Unicode (it holds a lone surrogate)';
  if (CONTROL.test(value)) return 'must not hold control characters (NUL, escape sequences)';
  if (BIDI_CONTROL.test(value)) return 'must not hold bidirectional override characters';
  if (!multiline && LINE_BREAK.test(value)) return 'must be one line';
  if (INVISIBLE_ONLY.test(value)) return 'must hold visible text, not only spaces or zero-width characters';
  return undefined;
};

/**
 * The rules of `textProblem` as one regular expression (ECMA-262, for the OpenAPI document): some
 * visible character, no control, bidi-override or (unless multiline) line-break character. A lone
 * surrogate is the one thing it lets through that `textProblem` refuses.
 */
export const cleanTextPattern = (multiline: boolean): string =>
  `^(?![${INVISIBLE_CHARACTERS}]*$)[^${CONTROL_CHARACTERS}${BIDI_CHARACTERS}${multiline ? '' : LINE_BREAK_CHARACTERS}]*$`;

/**
 * Text people read: names, titles, summaries. Refuses what would print as something else or as
 * nothing (lone surrogates, control and escape characters, bidi overrides, blank or invisible text).
 */
export const IsCleanText = (options: { multiline?: boolean; each?: boolean } = {}): PropertyDecorator =>
  ValidateBy(
    {
      name: 'isCleanText',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && textProblem(value, options.multiline ?? false) === undefined,
        defaultMessage: (args?: ValidationArguments) => {
          const value = args?.value;
          const problem = typeof value === 'string' ? textProblem(value, options.multiline ?? false) : 'must be a string';
          return `${options.each ? 'each of ' : ''}${args?.property ?? 'value'} ${problem ?? 'must be clean text'}`;
        },
      },
    },
    { each: options.each },
  );

/**
 * A nested object, validated as strictly as a body: present, an object (not an array, which
 * class-transformer would otherwise turn into an array of instances that each pass), its own rules.
 */
export const Nested = (type: () => new () => object): PropertyDecorator =>
  applyDecorators(IsDefined(), IsObject(), ValidateNested(), Type(type));

/** An array of nested objects: every item an object validated by its own rules. */
export const NestedEach = (type: () => new () => object): PropertyDecorator =>
  applyDecorators(IsDefined(), IsArray(), IsObject({ each: true }), ValidateNested({ each: true }), Type(type));

/**
 * The canonical form of an instant the edge has already validated with IsInstant. Throws
 * ValidationFailed, never falls back to the raw text, should an unvalidated one ever get here.
 */
export const validatedInstant = (value: string, field = 'at'): string => {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new ValidationFailed([{ field, rule: 'isInstant', message: `${field} ${parsed.message}` }]);
  return parsed.instant;
};
