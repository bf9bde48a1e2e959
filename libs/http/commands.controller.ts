import { Body, Controller, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor, Command, CommandType } from '#domain';
import { canonicalInstant } from '#domain';
import type { CommandOutcome } from '#linkage';
import { CurrentActor } from './auth.js';
import { RunCommand } from './cqrs.js';
import * as dto from './dto.js';
import { ValidationFailed } from './problems.js';

/** Turns a validated body into the domain command: plain JSON, instants in canonical UTC. */
export const toCommand = (type: CommandType, body: object): Command => {
  const data = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  if (typeof data.dueBy === 'string') data.dueBy = canonicalInstant(data.dueBy) ?? data.dueBy;
  return { type, data } as Command;
};

interface CommandHeaders {
  'idempotency-key'?: string;
  'x-correlation-id'?: string;
  /** Domain time, when the fact happened before it is recorded (ISO 8601 with offset). */
  'x-occurred-at'?: string;
}

const occurredAtOf = (headers: CommandHeaders): string | undefined => {
  const value = headers['x-occurred-at'];
  if (value === undefined) return undefined;
  const instant = canonicalInstant(value);
  if (!instant) {
    throw new ValidationFailed([{ field: 'x-occurred-at', rule: 'isIso8601', message: 'x-occurred-at must be an ISO 8601 instant with offset' }]);
  }
  return instant;
};

/**
 * One route per command of DESIGN.md §4. The body is validated against the command's DTO by the
 * global ValidationPipe before any of this runs; the actor comes from the bearer token.
 */
@ApiTags('commands')
@ApiBearerAuth()
@ApiHeader({ name: 'x-occurred-at', required: false, description: 'when it happened, if recorded later (ISO 8601 with offset)' })
@Controller('v1/commands')
export class CommandsController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  private run(type: CommandType, body: object, actor: Actor, headers: CommandHeaders): Promise<CommandOutcome> {
    return this.commands.execute(
      new RunCommand(toCommand(type, body), actor, {
        commandId: headers['idempotency-key'],
        correlationId: headers['x-correlation-id'],
        occurredAt: occurredAtOf(headers),
      }),
    );
  }

  @Post('registerJurisdiction') @HttpCode(201) @ApiOperation({ summary: 'admin: add a jurisdiction to the registry' })
  registerJurisdiction(@Body() body: dto.RegisterJurisdictionDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('registerJurisdiction', body, actor, h);
  }

  @Post('registerUnit') @HttpCode(201) @ApiOperation({ summary: 'leading group: register an inspectable unit in its jurisdiction or below' })
  registerUnit(@Body() body: dto.RegisterUnitDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('registerUnit', body, actor, h);
  }

  @Post('planRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: plan an inspection round over target units' })
  planRound(@Body() body: dto.PlanRoundDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('planRound', body, actor, h);
  }

  @Post('launchRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: launch a planned round (mobilisation meeting)' })
  launchRound(@Body() body: dto.RoundRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('launchRound', body, actor, h);
  }

  @Post('formTeam') @HttpCode(201) @ApiOperation({ summary: 'leading group: form an inspection team for a round' })
  formTeam(@Body() body: dto.FormTeamDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('formTeam', body, actor, h);
  }

  @Post('stationTeam') @HttpCode(201) @ApiOperation({ summary: 'leading group: station a team at target units (refused when a member must recuse)' })
  stationTeam(@Body() body: dto.StationTeamDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('stationTeam', body, actor, h);
  }

  @Post('receivePetitions') @HttpCode(201) @ApiOperation({ summary: 'team: record petitions received through a channel' })
  receivePetitions(@Body() body: dto.ReceivePetitionsDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('receivePetitions', body, actor, h);
  }

  @Post('recordIssue') @HttpCode(201) @ApiOperation({ summary: 'team: record an issue found at a unit where it is stationed' })
  recordIssue(@Body() body: dto.RecordIssueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('recordIssue', body, actor, h);
  }

  @Post('transferClue') @HttpCode(201) @ApiOperation({ summary: 'team: transfer a clue to a handling organ' })
  transferClue(@Body() body: dto.TransferClueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('transferClue', body, actor, h);
  }

  @Post('disposeClue') @HttpCode(201) @ApiOperation({ summary: 'handler: record a disposal of a clue (persons affected)' })
  disposeClue(@Body() body: dto.DisposeClueDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('disposeClue', body, actor, h);
  }

  @Post('concludeClue') @HttpCode(201) @ApiOperation({ summary: 'handler: conclude a clue' })
  concludeClue(@Body() body: dto.ClueRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('concludeClue', body, actor, h);
  }

  @Post('deliverFeedback') @HttpCode(201) @ApiOperation({ summary: 'leading group: deliver inspection feedback to a unit' })
  deliverFeedback(@Body() body: dto.DeliverFeedbackDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('deliverFeedback', body, actor, h);
  }

  @Post('requireRectification') @HttpCode(201) @ApiOperation({ summary: 'leading group: require a unit to rectify an issue by a date' })
  requireRectification(@Body() body: dto.RequireRectificationDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('requireRectification', body, actor, h);
  }

  @Post('completeRectification') @HttpCode(201) @ApiOperation({ summary: "unit or its jurisdiction's leading group: record a rectification as completed" })
  completeRectification(@Body() body: dto.RectificationRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('completeRectification', body, actor, h);
  }

  @Post('escalateFinding') @HttpCode(201) @ApiOperation({ summary: 'leading group: escalate a finding to an ancestor jurisdiction' })
  escalateFinding(@Body() body: dto.EscalateFindingDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('escalateFinding', body, actor, h);
  }

  @Post('adoptFinding') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: adopt an escalated finding into its round" })
  adoptFinding(@Body() body: dto.AdoptFindingDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('adoptFinding', body, actor, h);
  }

  @Post('assignTask') @HttpCode(201) @ApiOperation({ summary: 'leading group: assign a task to a descendant jurisdiction' })
  assignTask(@Body() body: dto.AssignTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('assignTask', body, actor, h);
  }

  @Post('acceptTask') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: accept a task" })
  acceptTask(@Body() body: dto.AcceptTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('acceptTask', body, actor, h);
  }

  @Post('reportTaskProgress') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: report progress on an accepted task" })
  reportTaskProgress(@Body() body: dto.ReportTaskProgressDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('reportTaskProgress', body, actor, h);
  }

  @Post('completeTask') @HttpCode(201) @ApiOperation({ summary: "addressee's leading group: complete a task" })
  completeTask(@Body() body: dto.CompleteTaskDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('completeTask', body, actor, h);
  }

  @Post('submitSpecialReport') @HttpCode(201) @ApiOperation({ summary: 'leading group: submit a special report on a round' })
  submitSpecialReport(@Body() body: dto.SubmitSpecialReportDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('submitSpecialReport', body, actor, h);
  }

  @Post('closeRound') @HttpCode(201) @ApiOperation({ summary: 'leading group: close a launched round' })
  closeRound(@Body() body: dto.RoundRefDto, @CurrentActor() actor: Actor, @Headers() h: CommandHeaders) {
    return this.run('closeRound', body, actor, h);
  }
}
