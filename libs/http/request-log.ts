/**
 * One log line per HTTP request, and the correlation id that ties it to the client's own logs and
 * to the lines of other services the request went through.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '#domain';
import type { OperationsLogger } from '#observability';

/** The same alphabet and length as Idempotency-Key and X-Correlation-Id: safe in a log line and a header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** W3C Trace Context: version 00, a trace id that is not all zeros, a parent id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);

/**
 * The client's X-Request-Id when it is well formed, else the trace id of a well-formed
 * `traceparent`, else a new one. A malformed id is replaced, not refused: it names nothing the
 * request asks for, and echoing it back would carry whatever it holds into logs.
 */
export const correlationIdOf = (headers: FastifyRequest['headers']): string => {
  const given = single(headers['x-request-id']);
  if (given !== undefined && REQUEST_ID.test(given)) return given;
  const trace = single(headers.traceparent)?.match(TRACEPARENT)?.[1];
  if (trace && !/^0+$/.test(trace)) return trace;
  return randomUUID();
};

const correlationIds = new WeakMap<FastifyRequest, string>();

/** The correlation id of a request, as logged and echoed back. */
export const correlationIdOfRequest = (request: FastifyRequest): string | undefined => correlationIds.get(request);

/**
 * Registers the correlation id (echoed as X-Request-Id on every answer, refusals included) and the
 * request line: method, route pattern (not the URL: ids in paths would make every line unique and
 * query strings may carry what a log should not), status, duration, the actor when the token was
 * good. Headers and bodies are never logged.
 */
export const registerRequestLog = (fastify: FastifyInstance, log: () => OperationsLogger): void => {
  fastify.addHook('onRequest', async (request, reply) => {
    const id = correlationIdOf(request.headers);
    correlationIds.set(request, id);
    void reply.header('x-request-id', id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const actor = (request as FastifyRequest & { actor?: Actor }).actor;
    const command = request.routeOptions.url === '/v1/commands/:type' ? (request.params as Record<string, unknown> | undefined)?.type : undefined;
    const status = reply.statusCode;
    const line = {
      requestId: correlationIds.get(request),
      method: request.method,
      route: request.routeOptions.url ?? '(no route)',
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      ...(actor ? { actorId: actor.id } : {}),
      ...(typeof command === 'string' ? { command } : {}),
    };
    // Server faults are errors; 503 (not ready, overloaded, a read-your-writes wait ran out) says
    // the server cannot serve now, a warning; refusals are the API working as documented.
    if (status === 503) log().warn(line, 'request');
    else if (status >= 500) log().error(line, 'request failed');
    else log().info(line, 'request');
  });
};
