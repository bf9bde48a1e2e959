import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LinkageRuntime } from '#linkage';
import { AuditController } from './audit.controller.js';
import { BearerAuthGuard } from './auth.js';
import { CommandsController } from './commands.controller.js';
import { GetReportHandler, GetTaskStreamHandler, RunCommandHandler } from './cqrs.js';
import { LinkageGateway } from './linkage-gateway.js';
import type { LiveViewLimits } from './live-views.js';
import { DEFAULT_LIVE_VIEW_LIMITS, LiveViews } from './live-views.js';
import { ProblemFilter, ValidationFailed, flattenValidationErrors } from './problems.js';
import { HealthController, QueriesController } from './queries.controller.js';
import { TokenService } from './tokens.js';

export interface HttpAppOptions {
  readonly runtime: LinkageRuntime;
  readonly tokens: TokenService;
  /** Nest's warnings and errors (its route-by-route start-up log is left out); off in tests and scenario runs. */
  readonly logger?: boolean;
  /**
   * Serve the Swagger UI pages at /docs (default true). The OpenAPI document itself is always served
   * at /docs-json. Jest's module runtime cannot load the UI's static-file plugin, so tests turn it off.
   */
  readonly swaggerUi?: boolean;
  /** Caps and heartbeat of the live views (SSE); DEFAULT_LIVE_VIEW_LIMITS for what is not given. */
  readonly liveViews?: Partial<LiveViewLimits>;
}

/** The edge's one validation rule set: unknown fields are refused, not silently dropped. */
export const validationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailed(flattenValidationErrors(errors)),
  });

/** The Nest application serving the levels that `runtime` runs, on Fastify. Not yet listening. */
export const createHttpApp = async (options: HttpAppOptions): Promise<NestFastifyApplication> => {
  @Module({
    imports: [CqrsModule.forRoot()],
    controllers: [CommandsController, QueriesController, HealthController, AuditController],
    providers: [
      { provide: LinkageRuntime, useValue: options.runtime },
      { provide: TokenService, useValue: options.tokens },
      LinkageGateway,
      { provide: LiveViews, useValue: new LiveViews({ ...DEFAULT_LIVE_VIEW_LIMITS, ...options.liveViews }) },
      RunCommandHandler,
      GetReportHandler,
      GetTaskStreamHandler,
      { provide: APP_GUARD, useClass: BearerAuthGuard },
      { provide: APP_FILTER, useClass: ProblemFilter },
    ],
  })
  class LinkageHttpModule {}

  const app = await NestFactory.create<NestFastifyApplication>(LinkageHttpModule, new FastifyAdapter({ bodyLimit: 1_048_576 }), {
    logger: options.logger === false ? false : ['warn', 'error'],
  });
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app as unknown as INestApplication,
    new DocumentBuilder()
      .setTitle('Inspection linkage (巡视巡察上下联动)')
      .setDescription('Commands of DESIGN.md §4, upward reports and downward task streams. Every route but /health needs a bearer token.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app as unknown as INestApplication, document, { ui: options.swaggerUi ?? true, raw: ['json'] });
  await app.init();
  return app;
};
