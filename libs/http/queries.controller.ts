import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Sse, SseSignal } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { Observable } from 'rxjs';
import type { Actor, Level } from '#domain';
import { ID_PATTERN, Refusal, isLevel } from '#domain';
import type { ProjectionLag, Report, TaskStream } from '#projections';
import type { LevelStatus } from '#linkage';
import { CurrentActor, Public } from './auth.js';
import { GetReport, GetTaskStream } from './cqrs.js';
import type { Consistency } from './linkage-gateway.js';
import { LinkageGateway } from './linkage-gateway.js';
import { LiveViews, liveViewKey } from './live-views.js';
import { ReadForbidden, ValidationFailed } from './problems.js';
import { Expensive, Unlimited } from './request-guards.js';
import { IsCleanText, IsInstant, validatedInstant } from './validation.js';

/** A store position fits a safe integer: at most 15 digits. */
const CONSISTENCY_PATTERN = /^(province|city|county):\d{1,15}$/;

export class JurisdictionParam {
  @ApiProperty({ example: '350600' }) @Matches(/^\d{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code' })
  jurisdiction!: string;
}

export class ConsistencyQuery {
  @ApiPropertyOptional({ description: 'the instant `overdue` is measured against (default: now)', example: '2022-01-05T09:00:00+08:00' })
  @IsOptional()
  @IsInstant()
  at?: string;

  @ApiPropertyOptional({ description: 'level:position from a command response; the read waits (up to 5 s) until that level has projected it', example: 'city:42' })
  @IsOptional()
  @Matches(CONSISTENCY_PATTERN, { message: 'after must be level:position (at most 15 digits), e.g. city:42' })
  after?: string;
}

export class ReportQuery extends ConsistencyQuery {
  @ApiPropertyOptional({ description: 'the round and every round linked below it' }) @IsOptional() @Matches(ID_PATTERN) roundId?: string;
  @ApiPropertyOptional({ description: 'every round of this theme', minLength: 1, maxLength: 50 }) @IsOptional() @IsString() @Length(1, 50) @IsCleanText() theme?: string;
}

const consistencyOf = (after: string | undefined): Consistency | undefined => {
  if (after === undefined) return undefined;
  const [level, position] = after.split(':') as [Level, string];
  return { level, position: Number(position) };
};

const instantOf = (at: string | undefined): string | undefined => (at === undefined ? undefined : validatedInstant(at));

const scopeOf = (query: ReportQuery) => {
  if (query.roundId !== undefined && query.theme !== undefined) {
    throw new ValidationFailed([{ field: 'theme', rule: 'exclusive', message: 'give roundId or theme, not both' }]);
  }
  return { ...(query.roundId !== undefined ? { roundId: query.roundId } : {}), ...(query.theme !== undefined ? { theme: query.theme } : {}) };
};

export class ReplayRelayBody {
  @ApiProperty({ minimum: 0, description: 'publish again every fact this level recorded after this store position (0: all of them)' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  afterPosition!: number;
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class QueriesController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LinkageGateway) private readonly gateway: LinkageGateway,
    @Inject(LiveViews) private readonly liveViews: LiveViews,
  ) {}

  @Get('reports/:jurisdiction')
  @ApiOperation({ summary: 'upward 成果联动 report of a jurisdiction over its subtree, with a per-child breakdown' })
  report(@Param() { jurisdiction }: JurisdictionParam, @Query() query: ReportQuery, @CurrentActor() actor: Actor): Promise<Report> {
    return this.queries.execute(new GetReport(actor, jurisdiction, scopeOf(query), consistencyOf(query.after), instantOf(query.at)));
  }

  @Get('tasks/:jurisdiction')
  @ApiOperation({ summary: 'downward task stream: every task addressed to the jurisdiction, oldest first' })
  tasks(@Param() { jurisdiction }: JurisdictionParam, @Query() query: ConsistencyQuery, @CurrentActor() actor: Actor): Promise<TaskStream> {
    return this.queries.execute(new GetTaskStream(actor, jurisdiction, consistencyOf(query.after), instantOf(query.at)));
  }

  @Sse('reports/:jurisdiction/live')
  @ApiOperation({ summary: 'Server-Sent Events: the report, pushed again whenever it changes' })
  async liveReport(
    @Param() { jurisdiction }: JurisdictionParam,
    @Query() query: ReportQuery,
    @CurrentActor() actor: Actor,
    @SseSignal() closed: AbortSignal,
  ): Promise<Observable<MessageEvent>> {
    const scope = scopeOf(query);
    const node = await this.gateway.readableNode(actor, jurisdiction);
    this.gateway.requireVisibleScope(actor, node.readModel, scope);
    return this.liveViews.watch(actor.id, closed, {
      key: liveViewKey(node.level, 'report', jurisdiction, scope),
      type: 'report',
      subscribe: node.projections.onChange.bind(node.projections),
      read: () => this.gateway.reportOf(node, jurisdiction, scope),
      untilClockChange: () => this.gateway.untilNextDueDate(node),
    });
  }

  @Sse('tasks/:jurisdiction/live')
  @ApiOperation({ summary: 'Server-Sent Events: the task stream, pushed again whenever it changes' })
  async liveTasks(@Param() { jurisdiction }: JurisdictionParam, @CurrentActor() actor: Actor, @SseSignal() closed: AbortSignal): Promise<Observable<MessageEvent>> {
    const node = await this.gateway.readableNode(actor, jurisdiction);
    return this.liveViews.watch(actor.id, closed, {
      key: liveViewKey(node.level, 'tasks', jurisdiction),
      type: 'tasks',
      subscribe: node.projections.onChange.bind(node.projections),
      read: () => this.gateway.taskStreamOf(node, jurisdiction),
      untilClockChange: () => this.gateway.untilNextDueDate(node),
    });
  }

  @Get('projections')
  @ApiOperation({ summary: "per level and projection: checkpoint, store head and lag (admin: every level served here; others: their own level's)" })
  async projections(@CurrentActor() actor: Actor): Promise<{ level: Level; projections: ProjectionLag[] }[]> {
    const runtime = this.gateway.runtime;
    return Promise.all(this.gateway.levelsVisibleTo(actor).map(async (level) => ({ level, projections: await runtime.node(level)!.projections.lag() })));
  }

  @Get('status')
  @ApiOperation({ summary: "per level: store head, relay checkpoint, inbox counts, projection lag (admin: every level served here; others: their own level's)" })
  async status(@CurrentActor() actor: Actor): Promise<LevelStatus[]> {
    const visible = new Set(this.gateway.levelsVisibleTo(actor));
    return (await this.gateway.runtime.status()).filter((status) => visible.has(status.level));
  }

  @Post('admin/relay/:level/replay')
  @HttpCode(200)
  @ApiOperation({ summary: "admin: publish a level's facts again from a store position, for receivers that reported a delivery gap" })
  async replayRelay(
    @Param('level') level: string,
    @Body() body: ReplayRelayBody,
    @CurrentActor() actor: Actor,
  ): Promise<{ level: Level; previousCheckpoint: number; checkpoint: number }> {
    if (actor.role !== 'admin') throw new Refusal('RoleNotAllowed', 'only an admin may replay a relay');
    if (!isLevel(level)) throw new ValidationFailed([{ field: 'level', rule: 'isIn', message: 'level must be province, city or county' }]);
    const node = this.gateway.nodeFor(level, `replaying the ${level} relay`);
    return { level, ...(await node.relay.replayAfter(body.afterPosition)) };
  }

  @Post('admin/projections/:level/rebuild')
  @Expensive()
  @HttpCode(200)
  @ApiOperation({ summary: "admin: drop a level's read model and rebuild it from that level's store" })
  async rebuild(@Param('level') level: string, @CurrentActor() actor: Actor): Promise<{ level: Level; events: number; millis: number }> {
    if (actor.role !== 'admin') throw new Refusal('RoleNotAllowed', 'only an admin may rebuild projections');
    if (!isLevel(level)) throw new ValidationFailed([{ field: 'level', rule: 'isIn', message: 'level must be province, city or county' }]);
    const node = this.gateway.nodeFor(level, `rebuilding the ${level} projections`);
    const started = performance.now();
    const events = await node.projections.rebuild();
    return { level, events, millis: Math.round(performance.now() - started) };
  }
}

@Controller()
export class HealthController {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}

  @Public()
  @Unlimited()
  @Get('health')
  health(): { status: 'ok'; levels: Level[] } {
    return { status: 'ok', levels: this.gateway.runtime.levels };
  }
}
