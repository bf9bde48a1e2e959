/**
 * Probes for orchestrators: liveness (the process answers) and readiness (it can do its work now:
 * each level's store answers, the bus is connected, projections are not far behind), through
 * @nestjs/terminus. GET /health stays what it was: liveness with the levels served.
 */
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import type { Level } from '#domain';
import { Documented } from './api-docs.js';
import { Public } from './auth.js';
import { LinkageGateway } from './linkage-gateway.js';
import { schemaRef } from './openapi-schemas.js';
import { NotReady } from './problems.js';
import { Unlimited } from './request-guards.js';

/** How far behind its store a level's projections may be while the process still takes traffic. */
export const READINESS = Symbol('readiness limits');
export interface ReadinessLimits {
  readonly maxProjectionLag: number;
}
export const DEFAULT_READINESS: ReadinessLimits = { maxProjectionLag: 10_000 };

/** A store that does not answer a head read within this is as good as unreachable. */
const STORE_TIMEOUT_MS = 2_000;

const within = <T>(promise: Promise<T>, millis: number, what: string): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${millis} ms`)), millis);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/** A failing check's reason within the 500 characters the API states (a store's address and error can run longer). */
const reasonOf = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.length <= 500 ? message : `${message.slice(0, 499)}…`;
};

@Controller('health')
export class ProbesController {
  constructor(
    @Inject(LinkageGateway) private readonly gateway: LinkageGateway,
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(READINESS) private readonly limits: ReadinessLimits,
  ) {}

  @Public()
  @Unlimited()
  @Get('live')
  @ApiTags('health')
  @Documented({
    operationId: 'getLiveness',
    summary: 'liveness: the process answers, and which levels it serves (the same answer as GET /health)',
    description: 'Needs no token and is not rate limited (for probes). Restart the process when it fails.',
    public: true,
    ok: { status: 200, description: 'alive', schema: schemaRef('Health') },
    problems: {},
  })
  live(): { status: 'ok'; levels: Level[] } {
    return { status: 'ok', levels: this.gateway.runtime.levels };
  }

  @Public()
  @Unlimited()
  @Get('ready')
  @ApiTags('health')
  @Documented({
    operationId: 'getReadiness',
    summary: "readiness: every level's store answers, the bus is connected, projections are within READY_MAX_PROJECTION_LAG",
    description: 'Needs no token and is not rate limited (for probes). Send no traffic while it answers 503; the problem names every failing check.',
    public: true,
    ok: { status: 200, description: 'ready: every check is up', schema: schemaRef('Readiness') },
    problems: { 503: 'NotReady: a check failed; `detail` names each failing check and why' },
  })
  async ready(): Promise<HealthCheckResult> {
    const runtime = this.gateway.runtime;
    const checks = runtime.levels.flatMap((level) => [() => this.store(level), () => this.projections(level)]);
    try {
      return await this.health.check([() => this.bus(), ...checks]);
    } catch (error) {
      const result = (error as { getResponse?: () => unknown }).getResponse?.() as HealthCheckResult | undefined;
      if (!result?.error) throw error;
      const failing = Object.entries(result.error).map(([check, state]) => `${check}: ${String((state as { reason?: unknown }).reason ?? 'down')}`);
      throw new NotReady(`not ready: ${failing.join('; ')}`);
    }
  }

  private async store(level: Level): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(`store-${level}`);
    try {
      const head = await within(this.gateway.runtime.node(level)!.store.headPosition(), STORE_TIMEOUT_MS, `the ${level} store`);
      return check.up({ head });
    } catch (error) {
      return check.down({ reason: reasonOf(error) });
    }
  }

  private async projections(level: Level): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(`projections-${level}`);
    try {
      const lag = Math.max(...(await within(this.gateway.runtime.node(level)!.projections.lag(), STORE_TIMEOUT_MS, `the ${level} store`)).map((projection) => projection.lag));
      if (lag > this.limits.maxProjectionLag) return check.down({ lag, reason: `${lag} facts behind the store (READY_MAX_PROJECTION_LAG ${this.limits.maxProjectionLag})` });
      return check.up({ lag });
    } catch (error) {
      return check.down({ reason: reasonOf(error) });
    }
  }

  private async bus(): Promise<HealthIndicatorResult> {
    const check = this.indicators.check('bus');
    const { connected, detail } = this.gateway.runtime.busConnectivity();
    return connected ? check.up() : check.down({ reason: detail ?? 'not connected' });
  }
}
