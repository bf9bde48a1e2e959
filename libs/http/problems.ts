import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { RefusalKind } from '#domain';
import { Refusal } from '#domain';
import { StoreUnreachable } from '#event-store';
import { IdempotencyKeyReused } from '#linkage';
import { InvalidCursor, LedgerFilterNotApplicable, UnknownScope } from '#projections';
import { InvalidToken } from './tokens.js';

/** RFC 9457 problem details. `type` names the rule; `field` and `errors` point into the request. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  errors?: { field: string; rule: string; message: string }[];
  [extension: string]: unknown;
}

const problemType = (name: string): string => `urn:inspection-linkage:problem:${name}`;

const STATUS_OF: Record<RefusalKind, number> = { forbidden: 403, 'not-found': 404, conflict: 409, rule: 422 };

/**
 * The most a problem holds, as the OpenAPI document states it (openapi-schemas.ts). A 1 MB body of
 * a thousand list items with a hundred unknown fields each broke 120,000 rules: its answer listed
 * them all, 16 MB.
 */
export const PROBLEM_LIMITS = { errors: 100, detail: 10_000, field: 300, message: 1_000 } as const;

/** `text` cut to `max` characters, marked with an ellipsis; never inside a surrogate pair. */
const clip = (text: string, max: number): string => {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\uD800-\uDBFF]/.test(text[end - 1] ?? '')) end--;
  return `${text.slice(0, end)}…`;
};

/** The request body or query broke its contract: every broken field and rule, at once. */
export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';
  constructor(readonly errors: { field: string; rule: string; message: string }[]) {
    const listed = errors.slice(0, PROBLEM_LIMITS.errors).map((error) => error.message);
    super(`${listed.join('; ')}${errors.length > listed.length ? `; and ${errors.length - listed.length} more` : ''}`);
  }
}

/** A media type the edge does not read (anything but JSON, or JSON in another charset than UTF-8). */
export class UnsupportedMediaType extends Error {
  override readonly name = 'UnsupportedMediaType';
}

/** A client sent more requests than its limit allows; `statusCode` is for Fastify's error path. */
export class TooManyRequests extends Error {
  override readonly name = 'TooManyRequests';
  readonly statusCode = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The request (its body) did not arrive in time. */
export class RequestTimedOut extends Error {
  override readonly name = 'RequestTimedOut';
  readonly statusCode = 408;
}

/** The body is not JSON at all. */
export class MalformedJson extends Error {
  override readonly name = 'MalformedJson';
}

/** A command type the catalogue does not know. */
export class UnknownCommand extends Error {
  override readonly name = 'UnknownCommand';
}

/**
 * A state-changing request authenticated by the session cookie that a page of this server did not
 * send: its X-CSRF-Token is missing or wrong, or its Origin is another site's. Nothing is done.
 */
export class CsrfCheckFailed extends Error {
  override readonly name = 'CsrfCheckFailed';
}

/** The dashboard's page was not built (dist/dashboard has no index.html): the API serves on. */
export class DashboardNotBuilt extends Error {
  override readonly name = 'DashboardNotBuilt';
}

/** A read outside the caller's subtree. Says no more than that. */
export class ReadForbidden extends Error {
  override readonly name = 'ReadForbidden';
}

/** This process does not serve the level a command or read belongs to. */
export class MisdirectedRequest extends Error {
  override readonly name = 'MisdirectedRequest';
}

/** The readiness probe found a check failing (health.ts): the detail names every failing one. */
export class NotReady extends Error {
  override readonly name = 'NotReady';
}

/** A read-your-writes wait ran out before the projection caught up. */
export class ProjectionBehind extends Error {
  override readonly name = 'ProjectionBehind';
}

/** An audit feature the level's store cannot offer (an EventStoreDB store keeps no hash chain). */
export class AuditUnavailable extends Error {
  override readonly name = 'AuditUnavailable';
}

/** The caller holds as many live views (Server-Sent Events) as one actor may; it can close one or retry later. */
export class TooManyLiveViews extends Error {
  override readonly name = 'TooManyLiveViews';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The server holds as many live views as it serves in all, or is shutting down: retry later (elsewhere). */
export class LiveViewsUnavailable extends Error {
  override readonly name = 'LiveViewsUnavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export const flattenValidationErrors = (errors: readonly ValidationError[], prefix = ''): ValidationFailed['errors'] =>
  errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field, rule, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });

/** Errors Fastify raises before a route runs, by their code: named problems instead of a bare HttpException. */
const FASTIFY_ERRORS: Record<string, { title: string; status: number }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { title: 'UnsupportedMediaType', status: 415 },
  FST_ERR_CTP_INVALID_TYPE: { title: 'UnsupportedMediaType', status: 415 },
  FST_ERR_CTP_BODY_TOO_LARGE: { title: 'PayloadTooLarge', status: 413 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { title: 'InvalidContentLength', status: 400 },
  FST_ERR_CTP_EMPTY_JSON_BODY: { title: 'MalformedJson', status: 400 },
  FST_ERR_CTP_INVALID_JSON_BODY: { title: 'MalformedJson', status: 400 },
  FST_ERR_MAX_PARAM_LENGTH: { title: 'UriTooLong', status: 414 },
  FST_ERR_BAD_URL: { title: 'BadUrl', status: 400 },
  FST_ERR_ASYNC_CONSTRAINT: { title: 'BadRequest', status: 400 },
};

/** Names for the statuses the framework refuses with before a route runs. */
const HTTP_STATUS_TITLES: Record<number, string> = {
  400: 'BadRequest',
  404: 'RouteNotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
};

const fromFastifyError = (error: unknown): Problem | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined;
  if (!known) return undefined;
  return { type: problemType(known.title), title: known.title, status: known.status, detail: (error as Error).message, ...(known.status === 400 || known.status === 414 ? { field: 'url' } : {}) };
};

export const toProblem = (error: unknown): Problem => {
  const problem = problemOf(error);
  return {
    ...problem,
    detail: clip(problem.detail, PROBLEM_LIMITS.detail),
    ...(problem.field !== undefined ? { field: clip(problem.field, PROBLEM_LIMITS.field) } : {}),
    ...(problem.errors !== undefined
      ? {
          errors: problem.errors
            .slice(0, PROBLEM_LIMITS.errors)
            .map(({ field, rule, message }) => ({ field: clip(field, PROBLEM_LIMITS.field), rule, message: clip(message, PROBLEM_LIMITS.message) })),
        }
      : {}),
  };
};

const problemOf = (error: unknown): Problem => {
  if (error instanceof Refusal) {
    return {
      type: problemType(error.refusal),
      title: error.refusal,
      status: STATUS_OF[error.kind],
      detail: error.message,
      ...(error.field ? { field: error.field } : {}),
    };
  }
  if (error instanceof ValidationFailed) {
    return {
      type: problemType('ValidationFailed'),
      title: 'ValidationFailed',
      status: 400,
      detail: error.message,
      ...(error.errors[0] ? { field: error.errors[0].field } : {}),
      errors: error.errors,
    };
  }
  if (error instanceof InvalidToken) return { type: problemType('Unauthenticated'), title: 'Unauthenticated', status: 401, detail: error.message };
  if (error instanceof CsrfCheckFailed) return { type: problemType(error.name), title: error.name, status: 403, detail: error.message };
  if (error instanceof ReadForbidden) return { type: problemType('ReadForbidden'), title: 'ReadForbidden', status: 403, detail: error.message };
  if (error instanceof UnknownScope) return { type: problemType('UnknownScope'), title: 'UnknownScope', status: 404, detail: error.message };
  if (error instanceof MisdirectedRequest) return { type: problemType('MisdirectedRequest'), title: 'MisdirectedRequest', status: 421, detail: error.message };
  if (error instanceof StoreUnreachable) return { type: problemType('StoreUnreachable'), title: 'StoreUnreachable', status: 503, detail: error.message };
  if (error instanceof NotReady) return { type: problemType('NotReady'), title: 'NotReady', status: 503, detail: error.message };
  if (error instanceof ProjectionBehind) return { type: problemType('ProjectionBehind'), title: 'ProjectionBehind', status: 503, detail: error.message };
  if (error instanceof TooManyLiveViews) return { type: problemType('TooManyLiveViews'), title: 'TooManyLiveViews', status: 429, detail: error.message };
  if (error instanceof LiveViewsUnavailable) return { type: problemType('LiveViewsUnavailable'), title: 'LiveViewsUnavailable', status: 503, detail: error.message };
  if (error instanceof DashboardNotBuilt) return { type: problemType(error.name), title: error.name, status: 503, detail: error.message };
  if (error instanceof AuditUnavailable) return { type: problemType('AuditUnavailable'), title: 'AuditUnavailable', status: 501, detail: error.message };
  if (error instanceof IdempotencyKeyReused) return { type: problemType(error.name), title: error.name, status: 422, detail: error.message, field: 'idempotency-key' };
  if (error instanceof LedgerFilterNotApplicable) {
    return { type: problemType('ValidationFailed'), title: 'ValidationFailed', status: 400, detail: error.message, field: error.field, errors: [{ field: error.field, rule: 'applicable', message: error.message }] };
  }
  if (error instanceof InvalidCursor) {
    return { type: problemType('ValidationFailed'), title: 'ValidationFailed', status: 400, detail: error.message, field: 'cursor', errors: [{ field: 'cursor', rule: 'isCursor', message: error.message }] };
  }
  if (error instanceof UnknownCommand) return { type: problemType(error.name), title: error.name, status: 404, detail: error.message, field: 'type' };
  if (error instanceof TooManyRequests) return { type: problemType(error.name), title: error.name, status: 429, detail: error.message };
  if (error instanceof RequestTimedOut) return { type: problemType(error.name), title: error.name, status: 408, detail: error.message };
  if (error instanceof UnsupportedMediaType) return { type: problemType(error.name), title: error.name, status: 415, detail: error.message };
  if (error instanceof MalformedJson) return { type: problemType(error.name), title: error.name, status: 400, detail: error.message, field: 'body' };
  const fastifyProblem = fromFastifyError(error);
  if (fastifyProblem) return fastifyProblem;
  if (error instanceof NotFoundException) return { type: problemType('RouteNotFound'), title: 'RouteNotFound', status: 404, detail: error.message };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    // Nest hands Fastify's own refusals (body too large, media type) on as bare HttpExceptions.
    const title = HTTP_STATUS_TITLES[status] ?? error.name;
    return { type: problemType(title), title, status, detail };
  }
  return { type: problemType('InternalError'), title: 'InternalError', status: 500, detail: 'the server failed; the failure is logged' };
};

/** When to try again: the store link's next attempt, in whole seconds within what the API states (1-60). */
export const storeRetryAfterSeconds = (error: StoreUnreachable): number => Math.min(60, Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000)));

interface ReplyLike {
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): unknown;
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problems');

  catch(error: unknown, host: ArgumentsHost): void {
    const problem = toProblem(error);
    // A read that waited too long and a full live-view pool are load, not failures: no stack in the log.
    // A store out of reach is logged once by the level's store link, not once per refused request.
    const failed = problem.status >= 500 && !(error instanceof ProjectionBehind) && !(error instanceof LiveViewsUnavailable) && !(error instanceof StoreUnreachable);
    if (failed) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    const reply = host.switchToHttp().getResponse<ReplyLike>();
    reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8');
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="inspection-linkage"');
    if (error instanceof TooManyRequests || error instanceof TooManyLiveViews || error instanceof LiveViewsUnavailable) reply.header('retry-after', String(error.retryAfterSeconds));
    if (error instanceof StoreUnreachable) reply.header('retry-after', String(storeRetryAfterSeconds(error)));
    reply.send(problem);
  }
}
