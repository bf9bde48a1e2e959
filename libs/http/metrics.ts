/**
 * GET /metrics (admins, as ReadAccess decides), or the metrics port (METRICS_PORT, no token: for a Prometheus on the
 * deployment's own network), and the counting of HTTP requests and commands behind them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '#domain';
import { isCommandType } from '#domain';
import { LinkageMetrics } from '#observability';
import { Documented } from './api-docs.js';
import { CurrentActor } from './auth.js';
import { LinkageGateway } from './linkage-gateway.js';

const COMMAND_ROUTE = '/v1/commands/:type';
const PROBLEM_TYPE = /"type"\s*:\s*"urn:inspection-linkage:problem:([A-Za-z]{1,64})"/;

/** The problem type a refusal named, read off the problem+json body on its way out. */
const refusals = new WeakMap<FastifyRequest, string>();

/**
 * Counts every answered request by route pattern and status, and commands by type and outcome.
 * A command is refused when its answer is a problem (4xx or 5xx), labelled with the problem's type;
 * an idempotent replay counts again, as the answer it gets. Unknown command names count as
 * `(unknown)`: a label per name a client made up would grow without bound.
 */
export const registerRequestMetrics = (fastify: FastifyInstance, metrics: LinkageMetrics): void => {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode >= 400 && request.routeOptions.url === COMMAND_ROUTE && typeof payload === 'string') {
      const type = PROBLEM_TYPE.exec(payload)?.[1];
      if (type) refusals.set(request, type);
    }
    return payload;
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, seconds);
    if (route !== COMMAND_ROUTE || request.method !== 'POST') return;
    const name = (request.params as Record<string, unknown> | undefined)?.type;
    const command = typeof name === 'string' && isCommandType(name) ? name : '(unknown)';
    const refused = reply.statusCode >= 400;
    const outcome = refused ? 'refused' : 'accepted';
    metrics.commands.inc({ command, outcome, problem: refused ? (refusals.get(request) ?? `http-${reply.statusCode}`) : '' });
    metrics.commandDuration.observe({ command, outcome }, seconds);
  });
};

@Controller()
export class MetricsController {
  constructor(
    @Inject(LinkageMetrics) private readonly metrics: LinkageMetrics,
    @Inject(LinkageGateway) private readonly gateway: LinkageGateway,
  ) {}

  @Get('metrics')
  @ApiTags('operations')
  @Documented({
    operationId: 'getMetrics',
    summary: 'admin: the Prometheus metrics of this process (text exposition format)',
    description:
      'Commands by type and outcome, latencies, projection and relay lag per level, inbox counters, open live views, HTTP requests by route and status, process figures (README "Metrics"). With METRICS_PORT set, the same text is served on that port without a token.',
    ok: {
      status: 200,
      description: 'the metrics',
      mediaType: 'text/plain',
      schema: { type: 'string', maxLength: 16_777_216, description: 'Prometheus text format 0.0.4' },
    },
    problems: { 403: 'RoleNotAllowed: only an admin reads the metrics' },
  })
  async scrape(@CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    this.gateway.access.requireMetricsReader(actor);
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.scrape();
  }
}

/**
 * The metrics on a port of their own, without a token: whoever reaches HOST:METRICS_PORT reads
 * them (they name no person, jurisdiction or fact). Anything but GET /metrics is 404.
 */
export const serveMetrics = async (app: NestFastifyApplication, where: { readonly host: string; readonly port: number }): Promise<{ port: number; close: () => void }> => {
  const metrics = app.get(LinkageMetrics);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics is served here\n');
      return;
    }
    metrics.scrape().then(
      (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the metrics could not be read\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
};
