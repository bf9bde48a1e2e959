import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Sse, SseSignal } from '@nestjs/common';
import type { MessageEvent } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { Observable } from 'rxjs';
import type { Actor, Level } from '#domain';
import { LEVELS, isLevel } from '#domain';
import type { ProjectionLag, Report, TaskStream } from '#projections';
import type { LevelStatus } from '#linkage';
import { BODY_PROBLEMS, Documented, PARAMETER } from './api-docs.js';
import { CurrentActor, Public } from './auth.js';
import { GetReport, GetTaskStream } from './cqrs.js';
import type { Consistency } from './linkage-gateway.js';
import { LinkageGateway } from './linkage-gateway.js';
import { LiveViews, liveViewKey } from './live-views.js';
import { ValidationFailed } from './problems.js';
import { Expensive, Unlimited } from './request-guards.js';
import { schemaRef } from './openapi-schemas.js';
import { ScopeFrom, ScopeRoundId, ScopeTheme, ScopeTo, windowOf } from './report-scope.js';
import { IsInstant, validatedInstant } from './validation.js';

/** A store position fits a safe integer: at most 15 digits. */
const CONSISTENCY_PATTERN = /^(province|city|county):\d{1,15}$/;

export class JurisdictionParam {
  @ApiProperty({ ...PARAMETER.code, description: 'a 6-digit administrative division code: the root of the subtree read' })
  @Matches(/^\d{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code' })
  jurisdiction!: string;
}

export class ConsistencyQuery {
  @ApiPropertyOptional({ ...PARAMETER.instant, description: 'the instant `overdue` is measured against (default: now)', example: '2022-01-05T09:00:00+08:00' })
  @IsOptional()
  @IsInstant()
  at?: string;

  @ApiPropertyOptional({
    type: 'string',
    minLength: 6,
    maxLength: 24,
    pattern: CONSISTENCY_PATTERN.source,
    description: 'level:position from a command response; the read waits (up to 5 s) until that level has projected it',
    example: 'city:42',
  })
  @IsOptional()
  @Matches(CONSISTENCY_PATTERN, { message: 'after must be level:position (at most 15 digits), e.g. city:42' })
  after?: string;
}

export class ReportQuery extends ConsistencyQuery {
  @ScopeRoundId() roundId?: string;
  @ScopeTheme() theme?: string;
  @ScopeFrom() from?: string;
  @ScopeTo() to?: string;
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
  const window = windowOf(query.from, query.to);
  return {
    ...(query.roundId !== undefined ? { roundId: query.roundId } : {}),
    ...(query.theme !== undefined ? { theme: query.theme } : {}),
    ...(window !== undefined ? { window } : {}),
  };
};

/** Refusals the reads share, said once. */
const READ_REFUSALS = {
  403: "ReadForbidden: the jurisdiction lies outside the actor's subtree or is not registered; both answer alike, so a refused read reveals nothing",
  404: 'UnknownScope: the round named by roundId is not known at this level, or lies on another branch (answered alike)',
  421: 'MisdirectedRequest: the jurisdiction belongs to a level this process does not serve, or `after` names another level than the one read',
  503: 'ProjectionBehind: the level had not projected the position `after` names within 5 s; retry',
} as const;

const LIVE_REFUSALS = {
  429: { description: 'more requests than the rate limit allows, or TooManyLiveViews: the actor holds LIVE_MAX_PER_ACTOR (20 by default) open live views already', retryAfter: true },
  503: { description: 'LiveViewsUnavailable: the process holds LIVE_MAX_TOTAL (2000 by default) open live views, or is shutting down', retryAfter: true },
} as const;

const LEVEL_PARAMETER = { name: 'level', enum: [...LEVELS], description: 'the level whose store and read model to act on' };

export class ReplayRelayBody {
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'publish again every fact this level recorded after this store position (0: all of them)' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  afterPosition!: number;
}

@Controller('v1')
export class QueriesController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(LinkageGateway) private readonly gateway: LinkageGateway,
    @Inject(LiveViews) private readonly liveViews: LiveViews,
  ) {}

  @Get('reports/:jurisdiction')
  @ApiTags('reports')
  @Documented({
    operationId: 'getReport',
    summary: 'upward 成果联动 report of a jurisdiction over its subtree, with a per-child breakdown',
    description:
      'Anyone reads within their own subtree (admin: everywhere). With `roundId` the report covers that round and every round linked below it; with `theme`, the rounds of that theme. ' +
      'With `from` and/or `to` (midnights in Asia/Shanghai) it counts only facts whose domain time lies in [from, to): counted facts by their time, ' +
      'rectifications, handovers, supervised issues and tasks when the fact that began them lies in the window (their status as of `at`), ' +
      'units inspected and teams stationed when stationed in the window (coverage of a term); units registered stay those registered in scope.',
    ok: { status: 200, description: 'the report', schema: schemaRef('Report') },
    problems: { 400: 'a parameter is malformed, both roundId and theme are given, a window bound is not a midnight in Asia/Shanghai (wholeDay), or to is not later than from (afterFrom)', ...READ_REFUSALS },
  })
  report(@Param() { jurisdiction }: JurisdictionParam, @Query() query: ReportQuery, @CurrentActor() actor: Actor): Promise<Report> {
    return this.queries.execute(new GetReport(actor, jurisdiction, scopeOf(query), consistencyOf(query.after), instantOf(query.at)));
  }

  @Get('tasks/:jurisdiction')
  @ApiTags('reports')
  @Documented({
    operationId: 'getTaskStream',
    summary: 'downward task stream: every task addressed to the jurisdiction, oldest first',
    ok: { status: 200, description: 'the task stream', schema: schemaRef('TaskStream') },
    problems: { 400: true, 403: READ_REFUSALS[403], 421: READ_REFUSALS[421], 503: READ_REFUSALS[503] },
  })
  tasks(@Param() { jurisdiction }: JurisdictionParam, @Query() query: ConsistencyQuery, @CurrentActor() actor: Actor): Promise<TaskStream> {
    return this.queries.execute(new GetTaskStream(actor, jurisdiction, consistencyOf(query.after), instantOf(query.at)));
  }

  @Sse('reports/:jurisdiction/live')
  @ApiTags('reports')
  @Documented({
    operationId: 'watchReport',
    summary: 'Server-Sent Events: the report, pushed again whenever it changes',
    description:
      'Read once per change for everyone who watches the same report, at most every 250 ms. `at` and `after` are accepted and not used: a live view measures `overdue` against the present and starts from the current report.',
    ok: { status: 200, description: 'an event stream of reports', mediaType: 'text/event-stream', schema: schemaRef('ReportEvent') },
    problems: { 400: 'a parameter is malformed, or both roundId and theme are given', 403: READ_REFUSALS[403], 404: READ_REFUSALS[404], 421: READ_REFUSALS[421], ...LIVE_REFUSALS },
  })
  async liveReport(
    @Param() { jurisdiction }: JurisdictionParam,
    @Query() query: ReportQuery,
    @CurrentActor() actor: Actor,
    @SseSignal() closed: AbortSignal,
  ): Promise<Observable<MessageEvent>> {
    const scope = scopeOf(query);
    const node = await this.gateway.readableNode(actor, jurisdiction);
    this.gateway.access.requireVisibleScope(actor, node.readModel, scope);
    return this.liveViews.watch(actor.id, closed, {
      key: liveViewKey(node.level, 'report', jurisdiction, scope),
      type: 'report',
      subscribe: node.projections.onChange.bind(node.projections),
      read: () => this.gateway.reportOf(node, jurisdiction, scope),
      untilClockChange: () => this.gateway.untilNextDueDate(node),
    });
  }

  @Sse('tasks/:jurisdiction/live')
  @ApiTags('reports')
  @Documented({
    operationId: 'watchTaskStream',
    summary: 'Server-Sent Events: the task stream, pushed again whenever it changes',
    description: 'Read once per change for everyone who watches the same task stream, at most every 250 ms.',
    ok: { status: 200, description: 'an event stream of task streams', mediaType: 'text/event-stream', schema: schemaRef('TaskStreamEvent') },
    problems: { 400: true, 403: READ_REFUSALS[403], 421: READ_REFUSALS[421], ...LIVE_REFUSALS },
  })
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
  @ApiTags('operations')
  @Documented({
    operationId: 'getProjections',
    summary: "per level and projection: checkpoint, store head and lag (admin: every level served here; others: their own level's)",
    ok: { status: 200, description: 'one entry per level the actor may see', schema: { type: 'array', maxItems: LEVELS.length, items: schemaRef('LevelProjections') } },
    problems: {},
  })
  async projections(@CurrentActor() actor: Actor): Promise<{ level: Level; projections: ProjectionLag[] }[]> {
    const runtime = this.gateway.runtime;
    return Promise.all(this.gateway.levelsVisibleTo(actor).map(async (level) => ({ level, projections: await runtime.node(level)!.projections.lag() })));
  }

  @Get('status')
  @ApiTags('operations')
  @Documented({
    operationId: 'getStatus',
    summary: "per level: store head, relay checkpoint, inbox counts, projection lag (admin: every level served here; others: their own level's)",
    ok: { status: 200, description: 'one entry per level the actor may see', schema: { type: 'array', maxItems: LEVELS.length, items: schemaRef('LevelStatus') } },
    problems: {},
  })
  async status(@CurrentActor() actor: Actor): Promise<LevelStatus[]> {
    const visible = new Set(this.gateway.levelsVisibleTo(actor));
    return (await this.gateway.runtime.status()).filter((status) => visible.has(status.level));
  }

  @Post('admin/relay/:level/replay')
  @HttpCode(200)
  @ApiTags('operations')
  @ApiParam(LEVEL_PARAMETER)
  @Documented({
    operationId: 'replayRelay',
    summary: "admin: publish a level's facts again from a store position, for receivers that reported a delivery gap",
    description: 'Receivers count what they already had as duplicates.',
    ok: { status: 200, description: 'the relay moved back', schema: schemaRef('RelayReplayed') },
    problems: { 400: 'the body or the level is malformed', 403: 'RoleNotAllowed: only an admin may replay a relay', ...BODY_PROBLEMS, 421: 'the level is not served by this process' },
  })
  async replayRelay(
    @Param('level') level: string,
    @Body() body: ReplayRelayBody,
    @CurrentActor() actor: Actor,
  ): Promise<{ level: Level; previousCheckpoint: number; checkpoint: number }> {
    this.gateway.access.requireOperator(actor, 'only an admin may replay a relay');
    if (!isLevel(level)) throw new ValidationFailed([{ field: 'level', rule: 'isIn', message: 'level must be province, city or county' }]);
    const node = this.gateway.nodeFor(level, `replaying the ${level} relay`);
    return { level, ...(await node.relay.replayAfter(body.afterPosition)) };
  }

  @Post('admin/projections/:level/rebuild')
  @Expensive()
  @HttpCode(200)
  @ApiTags('operations')
  @ApiParam(LEVEL_PARAMETER)
  @Documented({
    operationId: 'rebuildProjections',
    summary: "admin: drop a level's read model and rebuild it from that level's store",
    ok: { status: 200, description: 'rebuilt', schema: schemaRef('ProjectionsRebuilt') },
    problems: { 400: 'the level is malformed', 403: 'RoleNotAllowed: only an admin may rebuild projections', ...BODY_PROBLEMS, 421: 'the level is not served by this process' },
  })
  async rebuild(@Param('level') level: string, @CurrentActor() actor: Actor): Promise<{ level: Level; events: number; millis: number }> {
    this.gateway.access.requireOperator(actor, 'only an admin may rebuild projections');
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
  @ApiTags('health')
  @Documented({
    operationId: 'getHealth',
    summary: 'liveness: the process answers, and which levels it serves',
    description: 'Needs no token and is not rate limited (for probes).',
    public: true,
    ok: { status: 200, description: 'alive', schema: schemaRef('Health') },
    problems: {},
  })
  health(): { status: 'ok'; levels: Level[] } {
    return { status: 'ok', levels: this.gateway.runtime.levels };
  }
}
