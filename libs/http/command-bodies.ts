/**
 * Command bodies, made from the catalogue's input schemas: a class-validator class per command (the
 * validation every body goes through) and a JSON Schema per command (its OpenAPI request schema).
 * Both come from the same schema, so the document states exactly the rules the edge applies.
 */
import { IsOptional, ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { CommandType, FieldSchema, ObjectSchema } from '#domain';
import { CODE_PATTERN, COMMANDS, COMMAND_TYPES, EARLIEST_YEAR, ID_PATTERN, LATEST_YEAR, SHA256_PATTERN } from '#domain';
import { IsCleanText, IsInstant, Nested, NestedEach, cleanTextPattern } from './validation.js';

type BodyClass = new () => object;

const ID_MESSAGE = 'must be 1-128 letters, digits or . _ : - and start with a letter or digit';

/** The validation rules of one scalar field (`each`: applied to every item of a list). */
const scalarRules = (field: Exclude<FieldSchema, { kind: 'list' | 'object' }>, each: boolean): PropertyDecorator[] => {
  const prefix = each ? 'each of $property' : '$property';
  switch (field.kind) {
    case 'id':
      return [IsString({ each }), Matches(ID_PATTERN, { each, message: `${prefix} ${ID_MESSAGE}` })];
    case 'code':
      return [IsString({ each }), Matches(CODE_PATTERN, { each, message: `${prefix} must be a 6-digit administrative division code` })];
    case 'text':
      return [IsString({ each }), Length(1, field.max, { each }), IsCleanText({ multiline: field.multiline ?? false, each })];
    case 'enum':
      return [IsIn(field.values as string[], { each })];
    case 'integer':
      return [IsInt({ each }), Min(field.min, { each }), Max(field.max, { each })];
    case 'boolean':
      return [IsBoolean({ each })];
    case 'instant':
      return [IsInstant({ each })];
    case 'sha256':
      return [IsString({ each }), Matches(SHA256_PATTERN, { each, message: `${prefix} must be a SHA-256 digest in lowercase hex (64 characters)` })];
    default:
      return field satisfies never;
  }
};

/** A class-validator class for an object schema; nested objects get classes of their own. */
const bodyClass = (schema: ObjectSchema, name: string): BodyClass => {
  const Body = class {};
  Object.defineProperty(Body, 'name', { value: name });
  for (const [key, field] of Object.entries(schema.fields)) {
    const rules: PropertyDecorator[] = field.optional ? [IsOptional()] : [];
    if (field.kind === 'object') {
      const nested = bodyClass(field, `${name}_${key}`);
      rules.push(Nested(() => nested));
    } else if (field.kind === 'list') {
      rules.push(IsArray(), ArrayMinSize(field.min), ArrayMaxSize(field.max));
      if (field.of.kind === 'object') {
        const item = bodyClass(field.of, `${name}_${key}Item`);
        rules.push(NestedEach(() => item));
      } else if (field.of.kind === 'list') {
        throw new Error(`${name}.${key}: lists of lists are not a command field`);
      } else {
        rules.push(...scalarRules(field.of, true));
      }
    } else {
      rules.push(...scalarRules(field, false));
    }
    for (const rule of rules) rule(Body.prototype, key);
  }
  return Body;
};

/** The validation class of every command's body. */
export const COMMAND_BODY_CLASSES: Readonly<Record<CommandType, BodyClass>> = Object.fromEntries(
  COMMAND_TYPES.map((type) => [type, bodyClass(COMMANDS[type].input, `${type[0]!.toUpperCase()}${type.slice(1)}Body`)]),
) as Record<CommandType, BodyClass>;

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema (OpenAPI 3) of a field, with every limit the validator applies. */
export const jsonSchemaOf = (field: FieldSchema): JsonSchema => {
  const described = field.description ? { description: field.description } : {};
  switch (field.kind) {
    case 'id':
      return { type: 'string', minLength: 1, maxLength: 128, pattern: ID_PATTERN.source, ...described };
    case 'code':
      return { type: 'string', minLength: 6, maxLength: 6, pattern: CODE_PATTERN.source, example: '350624', ...described };
    case 'text':
      return { type: 'string', minLength: 1, maxLength: field.max, pattern: cleanTextPattern(field.multiline ?? false), ...described };
    case 'enum':
      return { type: 'string', enum: [...field.values], ...described };
    case 'integer':
      return { type: 'integer', format: 'int32', minimum: field.min, maximum: field.max, ...described };
    case 'boolean':
      return { type: 'boolean', ...described };
    case 'instant':
      return {
        type: 'string',
        format: 'date-time',
        minLength: 17,
        maxLength: 35,
        description: `${field.description ? `${field.description}; ` : ''}ISO 8601 instant with a time zone offset, years ${EARLIEST_YEAR}-${LATEST_YEAR}`,
        example: '2021-12-31T00:00:00+08:00',
      };
    case 'sha256':
      return { type: 'string', minLength: 64, maxLength: 64, pattern: SHA256_PATTERN.source, ...described };
    case 'list':
      return { type: 'array', items: jsonSchemaOf(field.of), minItems: field.min, maxItems: field.max, ...described };
    case 'object':
      return {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(field.fields).map(([key, inner]) => [key, jsonSchemaOf(inner)])),
        required: Object.entries(field.fields)
          .filter(([, inner]) => !inner.optional)
          .map(([key]) => key),
        ...described,
      };
    default:
      return field satisfies never;
  }
};
