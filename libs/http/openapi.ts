/**
 * The OpenAPI document: Nest's scan of the read routes, plus one operation per command made from
 * the catalogue (the route itself is one, `POST /v1/commands/{type}`), each with its own request
 * schema, example and every answer it can give.
 */
import type { OpenAPIObject } from '@nestjs/swagger';
import { COMMANDS, COMMAND_TYPES } from '#domain';
import type { JsonSchema } from './command-bodies.js';
import { jsonSchemaOf } from './command-bodies.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details: `title` names the rule, `field` the offending part of the request',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri', maxLength: 200, example: 'urn:inspection-linkage:problem:MemberMustRecuse' },
    title: { type: 'string', maxLength: 100, example: 'MemberMustRecuse' },
    status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    detail: { type: 'string', maxLength: 10_000 },
    field: { type: 'string', maxLength: 300, example: 'unitIds' },
    errors: {
      type: 'array',
      maxItems: 1000,
      description: 'for 400: every broken field and rule',
      items: {
        type: 'object',
        required: ['field', 'rule', 'message'],
        properties: { field: { type: 'string', maxLength: 300 }, rule: { type: 'string', maxLength: 100 }, message: { type: 'string', maxLength: 1000 } },
      },
    },
  },
};

const OUTCOME_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['level', 'position', 'events'],
  properties: {
    level: { type: 'string', enum: ['province', 'city', 'county'], description: 'the level whose store recorded the facts' },
    position: { type: 'integer', format: 'int64', minimum: 1, description: "store position of the last fact: pass `after=<level>:<position>` to a read to see it" },
    events: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['eventId', 'type', 'streamId', 'revision'],
        properties: {
          eventId: { type: 'string', format: 'uuid', maxLength: 36 },
          type: { type: 'string', maxLength: 100 },
          streamId: { type: 'string', maxLength: 200 },
          revision: { type: 'integer', format: 'int64', minimum: 0 },
        },
      },
    },
  },
};

/** Headers every answer carries while rate limits are on (README "Configuration"). */
const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { description: 'requests allowed per minute for this token', schema: { type: 'integer', format: 'int32', minimum: 1 } },
  'X-RateLimit-Remaining': { description: 'requests left in the current minute', schema: { type: 'integer', format: 'int32', minimum: 0 } },
  'X-RateLimit-Reset': { description: 'seconds until the minute starts again', schema: { type: 'integer', format: 'int32', minimum: 0 } },
};

const problem = (description: string, extraHeaders: Record<string, unknown> = {}) => ({
  description,
  headers: { ...RATE_LIMIT_HEADERS, ...extraHeaders },
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

/** Answers every operation can give, besides its own. */
export const COMMON_PROBLEMS = {
  '400': problem('the request broke its contract: every broken field and rule in `errors`'),
  '401': problem('no valid bearer token', { 'WWW-Authenticate': { schema: { type: 'string', maxLength: 100 } } }),
  '403': problem("the actor's role or jurisdiction may not do this (a refused read reveals nothing)"),
  '429': problem('more requests than the rate limit allows', { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', format: 'int32', minimum: 0 } } }),
  '500': problem('the server failed; the failure is logged'),
};

const COMMAND_PROBLEMS = {
  ...COMMON_PROBLEMS,
  '404': problem('a round, team, unit, issue, clue, rectification or task it names is not known here (or lies on another branch)'),
  '409': problem('recorded already, or the aggregate kept changing (ConcurrentChange: retry)'),
  '413': problem('the body is larger than 1 MB'),
  '415': problem('the body is not JSON in UTF-8'),
  '421': problem('the command belongs to a level this process does not serve'),
  '422': problem('a domain rule refuses it (e.g. MemberMustRecuse, RoundClosed), or its Idempotency-Key was used for another request'),
};

const idHeader = (name: string, description: string) => ({
  name,
  in: 'header',
  required: false,
  description,
  schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
});

const COMMAND_HEADERS = [
  idHeader(
    'Idempotency-Key',
    'makes a retry safe: per actor and key the first outcome is kept for 48 h (IDEMPOTENCY_RETENTION_HOURS); a retry with the same request gets it again (with `Idempotent-Replayed: true`) and writes nothing; the same key with a different request is refused with 422 IdempotencyKeyReused',
  ),
  idHeader('X-Correlation-Id', 'ties the facts of several commands together in the audit trail'),
  {
    name: 'X-Occurred-At',
    in: 'header',
    required: false,
    description: 'when it happened, if recorded later: an ISO 8601 instant with offset (domain time; record time is the server\'s)',
    schema: { type: 'string', format: 'date-time', maxLength: 40 },
  },
];

const bodySchemaName = (type: string): string => `${type[0]!.toUpperCase()}${type.slice(1)}Command`;

/** Replaces the one command route by an operation per command of the catalogue. */
export const describeCommands = (document: OpenAPIObject): OpenAPIObject => {
  const paths = { ...document.paths };
  delete paths['/v1/commands/{type}'];
  const schemas: Record<string, unknown> = { ...(document.components?.schemas ?? {}), Problem: PROBLEM_SCHEMA, CommandOutcome: OUTCOME_SCHEMA };
  for (const type of COMMAND_TYPES) {
    const spec = COMMANDS[type];
    schemas[bodySchemaName(type)] = jsonSchemaOf(spec.input);
    paths[`/v1/commands/${type}`] = {
      post: {
        operationId: type,
        tags: ['commands'],
        summary: spec.summary,
        description: `Roles: ${spec.roles.join(', ')}. Runs as the token's actor, at the level of its jurisdiction.`,
        security: [{ bearer: [] }],
        parameters: COMMAND_HEADERS,
        requestBody: { required: true, content: { 'application/json': { schema: ref(bodySchemaName(type)), example: spec.example } } },
        responses: {
          '201': {
            description: 'recorded: the new facts, their level and store position',
            headers: { ...RATE_LIMIT_HEADERS, 'Idempotent-Replayed': { description: 'true when answered from an earlier attempt with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } } },
            content: { 'application/json': { schema: ref('CommandOutcome') } },
          },
          ...COMMAND_PROBLEMS,
        },
      },
    } as never;
  }
  return { ...document, paths, components: { ...document.components, schemas: schemas as never } };
};
