import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import fastifyCookie from '@fastify/cookie';
import { LinkageRuntime } from '#linkage';
import { AuditController } from './audit.controller.js';
import { ActorAuthGuard } from './auth.js';
import { CommandsController } from './commands.controller.js';
import { GetReportHandler, GetTaskStreamHandler, RunCommandHandler } from './cqrs.js';
import { LinkageGateway } from './linkage-gateway.js';
import { readJsonBodies } from './body-limits.js';
import type { RequestLimits } from './request-guards.js';
import { DEFAULT_REQUEST_LIMITS, registerRequestGuards } from './request-guards.js';
import { validationPipe } from './body-validation.js';
import { describeApi } from './openapi.js';
import { ProblemFilter, toProblem } from './problems.js';
import type { LiveViewLimits } from './live-views.js';
import { DEFAULT_LIVE_VIEW_LIMITS, LiveViews } from './live-views.js';
import { HealthController, QueriesController } from './queries.controller.js';
import { LedgersController } from './ledgers.controller.js';
import { TokenService } from './tokens.js';
import { SessionController } from './session.controller.js';
import { JwksController } from './jwks.controller.js';
import type { SessionLimits } from './sessions.js';
import { BrowserSessions, DEFAULT_SESSION_LIMITS } from './sessions.js';
import { defaultDashboardDir, registerDashboard } from './dashboard.js';
import { LinkageMetrics, NestLogs, operationsLog } from '#observability';
import { registerRequestLog } from './request-log.js';
import { OPERATIONS_CONTROLLERS, OPERATIONS_IMPORTS, observeRuntime, registerRequestMetrics } from './operations.js';
import type { ReadinessLimits } from './health.js';
import { DEFAULT_READINESS, READINESS } from './health.js';

export interface HttpAppOptions {
  readonly runtime: LinkageRuntime;
  readonly tokens: TokenService;
  /** Nest's own lines, into the process log (its route-by-route start-up log at debug); off in tests and scenario runs. */
  readonly logger?: boolean;
  /**
   * Serve the Swagger UI pages at /docs (default true). The OpenAPI document itself is always served
   * at /docs-json. Jest's module runtime cannot load the UI's static-file plugin, so tests turn it off.
   */
  readonly swaggerUi?: boolean;
  /** Rate limits and the request time limit (README "Configuration"); defaults: DEFAULT_REQUEST_LIMITS. */
  readonly limits?: RequestLimits;
  /** Caps and heartbeat of the live views (SSE); DEFAULT_LIVE_VIEW_LIMITS for what is not given. */
  readonly liveViews?: Partial<LiveViewLimits>;
  /** Browser sessions: their cap, lifetime and cookie (README "Browsers"); DEFAULT_SESSION_LIMITS for what is not given. */
  readonly sessions?: Partial<SessionLimits>;
  /** The built dashboard to serve at / (default: dist/dashboard beside the built code). */
  readonly dashboardDir?: string;
  /** When /health/ready answers 503 (README "Health"); DEFAULT_READINESS for what is not given. */
  readonly readiness?: Partial<ReadinessLimits>;
}

/** The Nest application serving the levels that `runtime` runs, on Fastify. Not yet listening. */
export const createHttpApp = async (options: HttpAppOptions): Promise<NestFastifyApplication> => {
  const liveViews = new LiveViews({ ...DEFAULT_LIVE_VIEW_LIMITS, ...options.liveViews });
  // This app's own registry: several apps in one process (tests) count apart.
  const metrics = observeRuntime(new LinkageMetrics(), options.runtime, liveViews);
  @Module({
    imports: [CqrsModule.forRoot(), ...OPERATIONS_IMPORTS],
    controllers: [CommandsController, QueriesController, LedgersController, HealthController, AuditController, SessionController, JwksController, ...OPERATIONS_CONTROLLERS],
    providers: [
      { provide: LinkageRuntime, useValue: options.runtime },
      { provide: TokenService, useValue: options.tokens },
      { provide: BrowserSessions, useValue: new BrowserSessions({ ...DEFAULT_SESSION_LIMITS, ...options.sessions }) },
      LinkageGateway,
      { provide: LiveViews, useValue: liveViews },
      { provide: LinkageMetrics, useValue: metrics },
      { provide: READINESS, useValue: { ...DEFAULT_READINESS, ...options.readiness } },
      RunCommandHandler,
      GetReportHandler,
      GetTaskStreamHandler,
      { provide: APP_GUARD, useClass: ActorAuthGuard },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ],
  })
  class LinkageHttpModule {}

  const app = await NestFactory.create<NestFastifyApplication>(LinkageHttpModule, new FastifyAdapter({
      bodyLimit: 1_048_576,
      // Ids run to 128 characters and stream names to 200: the default 100 refused valid ones with 414.
      maxParamLength: 256,
      // What the router refuses before any Nest handler (a bad URL, an over-long parameter) is a problem too.
      frameworkErrors: (error: Error, _request: unknown, reply: FastifyReply) => {
        const problem = toProblem(error);
        void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(problem);
      },
    }), {
    logger: options.logger === false ? false : new NestLogs(operationsLog()),
    // Bodies are read by readJsonBodies alone: JSON in UTF-8, within BODY_LIMITS.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // First of the hooks: a request refused by a guard below is logged and answered with its id too.
  registerRequestLog(fastify, operationsLog);
  registerRequestMetrics(fastify, metrics);
  readJsonBodies(fastify);
  // Parses Cookie for the guard (request.cookies) and lets the session routes set one; no signing:
  // the cookie is a random id whose meaning stays on the server.
  await fastify.register(fastifyCookie);
  await registerRequestGuards(fastify, options.limits ?? DEFAULT_REQUEST_LIMITS);
  await registerDashboard(fastify, options.dashboardDir ?? defaultDashboardDir());
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = describeApi(
    SwaggerModule.createDocument(
      app as unknown as INestApplication,
      new DocumentBuilder()
        .setTitle('Inspection linkage (巡视巡察上下联动)')
        .setDescription(
          'Commands of DESIGN.md §4, upward reports and downward task streams, operations and audit. Every route but /health and signing in needs a bearer token, or the session cookie of a browser (with X-CSRF-Token on every change). Refusals are problem+json (RFC 9457); every answer but /health carries the rate-limit headers.',
        )
        .setVersion('1')
        .build(),
      // Every route names its tag (@ApiTags); none is made up from a controller's class name.
      { autoTagControllers: false },
    ),
  );
  SwaggerModule.setup('docs', app as unknown as INestApplication, document, { ui: options.swaggerUi ?? true, raw: ['json'] });
  await app.init();
  return app;
};
