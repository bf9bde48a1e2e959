/**
 * How a route is described in the OpenAPI document (README "OpenAPI document"): one `@Documented`
 * per route gives its operationId, summary, security, its answer and every refusal it can give,
 * each refusal problem+json with the rate-limit headers. Parameter and query classes spread the
 * `PARAMETER` fragments into their @ApiProperty, so every string states its limits. The document is
 * linted (`npm run lint:openapi`) and checked against real answers in npm test.
 */
import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { CODE_PATTERN, ID_PATTERN, LEVELS } from '#domain';
import type { JsonSchema } from './command-bodies.js';
import { schemaRef } from './openapi-schemas.js';

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The headers answers carry, by name (components.headers). */
export const HEADER_COMPONENTS: Readonly<Record<string, JsonSchema>> = {
  'X-RateLimit-Limit': {
    description:
      "requests allowed per minute to this bearer token (to this address without one) in the route's bucket: the ordinary routes share one, each expensive route (audit replay, as-of, lineage, export, verify, projection rebuild) has its own",
    // RATE_LIMIT_PER_MINUTE and RATE_LIMIT_EXPENSIVE_PER_MINUTE go up to 10,000,000 (libs/config).
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 10_000_000 },
  },
  'X-RateLimit-Remaining': { description: 'requests left in the current minute', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 10_000_000 } },
  'X-RateLimit-Reset': { description: 'seconds until the minute starts again', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 60 } },
  'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 60 } },
  'WWW-Authenticate': { description: 'how to authenticate', schema: { type: 'string', enum: ['Bearer realm="inspection-linkage"'] } },
  'Idempotent-Replayed': { description: 'true when answered from an earlier attempt with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
  'Content-Disposition': { description: 'the file name to save it as', schema: { type: 'string', maxLength: 100, pattern: '^attachment; filename="[a-z0-9.-]+"$' } },
};

/** Headers on every answer of a rate-limited route, refusals included (@fastify/rate-limit, request-guards.ts). */
export const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': headerRef('X-RateLimit-Limit'),
  'X-RateLimit-Remaining': headerRef('X-RateLimit-Remaining'),
  'X-RateLimit-Reset': headerRef('X-RateLimit-Reset'),
} as const;

export const RETRY_AFTER = { 'Retry-After': headerRef('Retry-After') } as const;

/** Refusals a route names for itself; 401, 429 and 500 every route with a token can give. */
export type ProblemStatus = 400 | 403 | 404 | 408 | 409 | 413 | 415 | 421 | 422 | 501 | 503;
type AnyProblemStatus = ProblemStatus | 401 | 429 | 500;

/** What each refusal means in general; a route says what it means there when that says more. */
const PROBLEM_MEANINGS: Readonly<Record<AnyProblemStatus, string>> = {
  400: 'the request broke its contract (a path or query parameter, a header or the body): `field` names the first part at fault, `errors` every broken field and rule',
  401: 'no valid bearer token (missing, malformed, signed with another key, or expired) and no live session cookie',
  403: "the actor's role or jurisdiction may not do this",
  404: 'something the request names is not known here',
  408: 'the request, body included, did not arrive within the time limit (REQUEST_TIMEOUT_MS, 30 s by default)',
  409: 'recorded already, or the aggregate kept changing (ConcurrentChange: retry)',
  413: 'the body is larger than 1 MB',
  415: 'the body is not JSON in UTF-8',
  421: 'the request belongs to a level this process does not serve',
  422: 'a domain rule refuses it',
  429: 'more requests in a minute than the rate limit allows',
  500: 'the server failed; the failure is logged',
  501: "AuditUnavailable: the level's store keeps no hash chain (a store opened without it)",
  503: 'the server cannot answer now',
};

/** The refusals any POST can give, whether or not it reads its body: a body is read (or refused) before the route runs. */
export const BODY_PROBLEMS = { 408: true, 413: true, 415: true } as const;

export type Problems = Partial<Record<ProblemStatus | 429, string | true | { readonly description: string; readonly retryAfter: true }>>;

export interface Success {
  readonly status: 200 | 201 | 204;
  readonly description: string;
  /** Not for 204, which has no content. */
  readonly schema?: JsonSchema;
  /** Default application/json. */
  readonly mediaType?: 'application/json' | 'text/event-stream' | 'application/x-ndjson' | 'text/plain';
  readonly headers?: Readonly<Record<string, JsonSchema>>;
  /** The same answer in other media types (downloads), by media type. */
  readonly alsoAs?: Readonly<Record<string, JsonSchema>>;
}

export interface AnswersDoc {
  readonly ok: Success;
  readonly problems: Problems;
  /** Needs no token and is not rate limited (GET /health): no 401, 429 or rate-limit headers. */
  readonly public?: true;
}

/**
 * Who may call a route: `actor` (the default) a bearer token or the session cookie; `session` the
 * session cookie only (the session's own routes); `anyone` no credentials, yet rate limited and
 * able to answer 401 (signing in). A `public` route is `anyone`'s too.
 */
export type RouteSecurity = 'actor' | 'session' | 'anyone';

const problemResponse = (status: AnyProblemStatus, given: Problems[ProblemStatus] | undefined, rateLimited: boolean) => {
  const description = typeof given === 'string' ? given : typeof given === 'object' ? given.description : PROBLEM_MEANINGS[status];
  const retryAfter = status === 429 || (typeof given === 'object' && given.retryAfter);
  return {
    description,
    headers: {
      ...(rateLimited ? RATE_LIMIT_HEADERS : {}),
      ...(retryAfter ? RETRY_AFTER : {}),
      ...(status === 401 ? { 'WWW-Authenticate': headerRef('WWW-Authenticate') } : {}),
    },
    content: { 'application/problem+json': { schema: schemaRef('Problem') } },
  };
};

/** Every answer of a route, by status: its success and each refusal, problem+json. */
export const answersOf = (doc: AnswersDoc): Record<string, Record<string, unknown>> => {
  const rateLimited = doc.public !== true;
  const answers: Record<string, Record<string, unknown>> = {
    [doc.ok.status]: {
      description: doc.ok.description,
      headers: { ...(rateLimited ? RATE_LIMIT_HEADERS : {}), ...doc.ok.headers },
      ...(doc.ok.schema === undefined
        ? {}
        : {
            content: {
              [doc.ok.mediaType ?? 'application/json']: { schema: doc.ok.schema },
              ...Object.fromEntries(Object.entries(doc.ok.alsoAs ?? {}).map(([mediaType, schema]) => [mediaType, { schema }])),
            },
          }),
    },
  };
  const statuses = new Set<AnyProblemStatus>([...(Object.keys(doc.problems).map(Number) as AnyProblemStatus[]), 500, ...(rateLimited ? ([401, 429] as const) : [])]);
  for (const status of [...statuses].sort((a, b) => a - b)) answers[status] = problemResponse(status, doc.problems[status as ProblemStatus], rateLimited);
  return answers;
};

export interface RouteDoc extends AnswersDoc {
  /** camelCase, unique in the document: what generated clients name the call. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly security?: RouteSecurity;
}

const securityOf = (doc: RouteDoc): MethodDecorator[] => {
  // `{}`: a requirement of nothing, so that no token is needed (an empty list would say "undefined").
  if (doc.public || doc.security === 'anyone') return [ApiSecurity({})];
  if (doc.security === 'session') return [ApiSecurity('session')];
  // Two requirements: either one authenticates.
  return [ApiSecurity('bearer'), ApiSecurity('session')];
};

/**
 * Describes a route: operation, security (a bearer token, unless `public`) and every answer. A
 * route without it shows in the document with no answers, which the document test refuses.
 */
export const Documented = (doc: RouteDoc): MethodDecorator =>
  applyDecorators(
    ApiOperation({ operationId: doc.operationId, summary: doc.summary, ...(doc.description !== undefined ? { description: doc.description } : {}) }),
    ...securityOf(doc),
    ...Object.entries(answersOf(doc)).map(([status, answer]) => ApiResponse({ status: Number(status), ...(answer as { description: string }) })),
  );

/**
 * Fragments for @ApiProperty of path and query parameters: the limits the validator applies to
 * them (the class-validator decorators beside them), stated in the document.
 */
export const PARAMETER = {
  code: { type: 'string', minLength: 6, maxLength: 6, pattern: CODE_PATTERN.source, example: '350600' },
  id: { type: 'string', minLength: 1, maxLength: 128, pattern: ID_PATTERN.source },
  level: { enum: [...LEVELS] },
  /** parseInstant's forms: minutes at least, up to nanoseconds, an offset or Z. */
  instant: { type: 'string', format: 'date-time', minLength: 17, maxLength: 35 },
  /** A store position in a query string: up to 15 digits (a safe integer). */
  position: { type: 'string', minLength: 1, maxLength: 15, pattern: '^\\d{1,15}$' },
} as const;
