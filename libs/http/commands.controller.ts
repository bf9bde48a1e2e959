import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor, Command, CommandType } from '#domain';
import { Refusal, parseInstant } from '#domain';
import type { CommandOutcome } from '#linkage';
import { CurrentActor } from './auth.js';
import { RunCommand } from './cqrs.js';
import * as dto from './dto.js';
import { ID_PATTERN } from './dto.js';
import type { CommandIds } from './linkage-gateway.js';
import { ValidationFailed } from './problems.js';

/** Turns a validated body into the domain command: plain JSON, instants in canonical UTC. */
export const toCommand = (type: CommandType, body: object): Command => {
  const data = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (typeof data.dueBy === 'string') data.dueBy = validInstant(data.dueBy, 'dueBy');
  return { type, data } as Command;
};

/** An instant the edge has validated, in canonical form. */
const validInstant = (value: string, field: string): string => {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw new ValidationFailed([{ field, rule: 'isInstant', message: `${field} ${parsed.message}` }]);
  return parsed.instant;
};

type RawHeaders = Record<string, string | string[] | undefined>;
type CommandHeaders = RawHeaders;

/** Headers that travel into a fact's metadata, validated as strictly as the body. */
export const commandIdsOf = (headers: RawHeaders): CommandIds => {
  const errors: ValidationFailed['errors'] = [];
  const single = (name: string): string | undefined => {
    const value = headers[name];
    if (Array.isArray(value)) {
      errors.push({ field: name, rule: 'single', message: `${name} must be sent once` });
      return undefined;
    }
    return value;
  };
  const id = (name: string): string | undefined => {
    const value = single(name);
    if (value !== undefined && !ID_PATTERN.test(value)) {
      errors.push({ field: name, rule: 'matches', message: `${name} must be 1-128 letters, digits or . _ : - and start with a letter or digit` });
      return undefined;
    }
    return value;
  };
  const idempotencyKey = id('idempotency-key');
  const correlationId = id('x-correlation-id');
  const occurredAtText = single('x-occurred-at');
  let occurredAt: string | undefined;
  if (occurredAtText !== undefined) {
    const parsed = parseInstant(occurredAtText);
    if (parsed.ok) occurredAt = parsed.instant;
    else errors.push({ field: 'x-occurred-at', rule: 'isInstant', message: `x-occurred-at ${parsed.message}` });
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
  return {
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(occurredAt !== undefined ? { occurredAt } : {}),
  };
};

interface ReplyLike {
  header(name: string, value: string): unknown;
}

/**
 * One route per command of DESIGN.md §4. The body is validated against the command's DTO by the
 * global ValidationPipe before any of this runs; the actor comes from the bearer token.
 */
@ApiTags('commands')
@ApiBearerAuth()
@ApiHeader({ name: 'x-occurred-at', required: false, description: 'when it happened, if recorded later (ISO 8601 with offset)' })
@ApiHeader({
  name: 'idempotency-key',
  required: false,
  description:
    'makes a retry safe: per actor and key the first outcome is kept for 48 h; a retry with the same request gets it again (header idempotent-replayed: true) and writes nothing; the same key with a different request is refused with 422 IdempotencyKeyReused. 1-128 of A-Z a-z 0-9 . _ : -',
})
@ApiHeader({ name: 'x-correlation-id', required: false, description: 'ties the facts of several commands together (1-128 of A-Z a-z 0-9 . _ : -)' })
@Controller('v1/commands')
export class CommandsController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  private async run(type: CommandType, body: object, actor: Actor, headers: CommandHeaders, reply: ReplyLike): Promise<CommandOutcome> {
    const answer = await this.commands.execute(new RunCommand(toCommand(type, body), actor, commandIdsOf(headers)));
    if (answer.replayed) reply.header('idempotent-replayed', 'true');
    const { kept } = answer;
    if (kept.kind === 'refused') throw new Refusal(kept.refusal, kept.message, kept.field);
    return kept.outcome;
  }

  @Post('registerJurisdiction') @HttpCode(201) @ApiOperation({ summary: 'admin: add a jurisdiction to the registry' })
  registerJurisdiction(@Body() body: dto.RegisterJurisdictionDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('registerJurisdiction', body, actor, h, reply);
  }

  @Post('registerUnit') @HttpCode(201) @ApiOperation({ summary: 'leading group: register an inspectable unit in its jurisdiction or below' })
  registerUnit(@Body() body: dto.RegisterUnitDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('registerUnit', body, actor, h, reply);
  }

  @Post('planRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: plan an inspection round over target units' })
  planRound(@Body() body: dto.PlanRoundDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('planRound', body, actor, h, reply);
  }

  @Post('launchRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: launch a planned round (mobilisation meeting)' })
  launchRound(@Body() body: dto.RoundRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('launchRound', body, actor, h, reply);
  }

  @Post('formTeam') @HttpCode(201) @ApiOperation({ summary: 'leading group: form an inspection team for a round' })
  formTeam(@Body() body: dto.FormTeamDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('formTeam', body, actor, h, reply);
  }

  @Post('stationTeam') @HttpCode(201) @ApiOperation({ summary: 'leading group: station a team at target units (refused when a member must recuse)' })
  stationTeam(@Body() body: dto.StationTeamDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('stationTeam', body, actor, h, reply);
  }

  @Post('receivePetitions') @HttpCode(201) @ApiOperation({ summary: 'team: record petitions received through a channel' })
  receivePetitions(@Body() body: dto.ReceivePetitionsDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('receivePetitions', body, actor, h, reply);
  }

  @Post('recordIssue') @HttpCode(201) @ApiOperation({ summary: 'team: record an issue found at a unit where it is stationed' })
  recordIssue(@Body() body: dto.RecordIssueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('recordIssue', body, actor, h, reply);
  }

  @Post('transferClue') @HttpCode(201) @ApiOperation({ summary: 'team: transfer a clue to a handling organ' })
  transferClue(@Body() body: dto.TransferClueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('transferClue', body, actor, h, reply);
  }

  @Post('disposeClue') @HttpCode(201) @ApiOperation({ summary: 'handler: record a disposal of a clue (persons affected)' })
  disposeClue(@Body() body: dto.DisposeClueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('disposeClue', body, actor, h, reply);
  }

  @Post('concludeClue') @HttpCode(201) @ApiOperation({ summary: 'handler: conclude a clue' })
  concludeClue(@Body() body: dto.ClueRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('concludeClue', body, actor, h, reply);
  }

  @Post('deliverFeedback') @HttpCode(201) @ApiOperation({ summary: 'leading group: deliver inspection feedback to a unit' })
  deliverFeedback(@Body() body: dto.DeliverFeedbackDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('deliverFeedback', body, actor, h, reply);
  }

  @Post('requireRectification') @HttpCode(201) @ApiOperation({ summary: 'leading group: require a unit to rectify an issue by a date' })
  requireRectification(@Body() body: dto.RequireRectificationDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('requireRectification', body, actor, h, reply);
  }

  @Post('completeRectification') @HttpCode(201) @ApiOperation({ summary: "unit or its jurisdiction's leading group: record a rectification as completed" })
  completeRectification(@Body() body: dto.RectificationRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('completeRectification', body, actor, h, reply);
  }

  @Post('escalateFinding') @HttpCode(201) @ApiOperation({ summary: 'leading group: escalate a finding to an ancestor jurisdiction' })
  escalateFinding(@Body() body: dto.EscalateFindingDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('escalateFinding', body, actor, h, reply);
  }

  @Post('adoptFinding') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: adopt an escalated finding into its round" })
  adoptFinding(@Body() body: dto.AdoptFindingDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('adoptFinding', body, actor, h, reply);
  }

  @Post('assignTask') @HttpCode(201) @ApiOperation({ summary: 'leading group: assign a task to a descendant jurisdiction' })
  assignTask(@Body() body: dto.AssignTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('assignTask', body, actor, h, reply);
  }

  @Post('acceptTask') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: accept a task" })
  acceptTask(@Body() body: dto.AcceptTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('acceptTask', body, actor, h, reply);
  }

  @Post('reportTaskProgress') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: report progress on an accepted task" })
  reportTaskProgress(@Body() body: dto.ReportTaskProgressDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('reportTaskProgress', body, actor, h, reply);
  }

  @Post('completeTask') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: complete a task" })
  completeTask(@Body() body: dto.CompleteTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('completeTask', body, actor, h, reply);
  }

  @Post('submitSpecialReport') @HttpCode(201) @ApiOperation({ summary: 'leading group: submit a special report on a round' })
  submitSpecialReport(@Body() body: dto.SubmitSpecialReportDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('submitSpecialReport', body, actor, h, reply);
  }

  @Post('closeRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: close a launched round' })
  closeRound(@Body() body: dto.RoundRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders, @Res({ passthrough: true }) reply: ReplyLike) {
    return this.run('closeRound', body, actor, h, reply);
  }
}
