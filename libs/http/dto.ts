import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import type { CommandType } from '#domain';
import { CLUE_RECIPIENTS, DISPOSAL_OUTCOMES, EARLIEST_YEAR, LATEST_YEAR, LEVELS, LINKAGES, PETITION_CHANNELS, ROUND_KINDS, TASK_KINDS } from '#domain';
import { IsCleanText, IsInstant, Nested, NestedEach } from './validation.js';

/** Ids name streams: letters, digits and . _ : - only, so they can never forge another stream's name. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const CODE_PATTERN = /^\d{6}$/;

const Id = (optional = false) =>
  applyDecorators(
    ...(optional ? [IsOptional(), ApiPropertyOptional({ pattern: ID_PATTERN.source })] : [ApiProperty({ pattern: ID_PATTERN.source })]),
    IsString(),
    Matches(ID_PATTERN, { message: '$property must be 1-128 letters, digits or . _ : - and start with a letter or digit' }),
  );
const Ids = () =>
  applyDecorators(
    ApiProperty({ type: [String] }),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(1000),
    IsString({ each: true }),
    Matches(ID_PATTERN, { each: true, message: 'each of $property must be 1-128 letters, digits or . _ : -' }),
  );
const Code = (optional = false) =>
  applyDecorators(
    ...(optional ? [IsOptional(), ApiPropertyOptional({ pattern: CODE_PATTERN.source })] : [ApiProperty({ pattern: CODE_PATTERN.source, example: '350624' })]),
    IsString(),
    Matches(CODE_PATTERN, { message: '$property must be a 6-digit administrative division code' }),
  );
/** Text people read; one line unless `multiline` (summaries, notes, results). */
const Text = (max: number, optional = false, multiline = false) =>
  applyDecorators(
    ...(optional ? [IsOptional(), ApiPropertyOptional({ minLength: 1, maxLength: max })] : [ApiProperty({ minLength: 1, maxLength: max })]),
    IsString(),
    Length(1, max),
    IsCleanText({ multiline }),
  );
const OneOf = (values: readonly string[], optional = false) =>
  applyDecorators(...(optional ? [IsOptional(), ApiPropertyOptional({ enum: values })] : [ApiProperty({ enum: values })]), IsIn(values as string[]));
const Instant = () =>
  applyDecorators(
    ApiProperty({ type: String, format: 'date-time', example: '2021-12-31T00:00:00+08:00', description: `ISO 8601 instant with offset, years ${EARLIEST_YEAR}-${LATEST_YEAR}` }),
    IsInstant(),
  );

export class RegisterJurisdictionDto {
  @Code() code!: string;
  @Text(100) name!: string;
  @OneOf(LEVELS) level!: string;
  @Code(true) parent?: string;
}

export class RegisterUnitDto {
  @Id() unitId!: string;
  @Text(200) name!: string;
  @Code() jurisdiction!: string;
  @Text(50, true) kind?: string;
}

export class PlanRoundDto {
  @Id() roundId!: string;
  @Text(200) title!: string;
  @OneOf(ROUND_KINDS) kind!: string;
  @Text(50, true) theme?: string;
  @OneOf(LINKAGES, true) linkage?: string;
  @Id(true) parentRoundId?: string;
  @Ids() targets!: string[];
}

export class RoundRefDto {
  @Id() roundId!: string;
}

export class TeamMemberDto {
  @Id() personId!: string;
  @Code() homeJurisdiction!: string;
  @Id(true) homeUnitId?: string;
}

export class FormTeamDto {
  @Id() teamId!: string;
  @Id() roundId!: string;
  @ApiProperty({ type: TeamMemberDto }) @Nested(() => TeamMemberDto) leader!: TeamMemberDto;
  @ApiProperty({ type: [TeamMemberDto], maxItems: 100 }) @NestedEach(() => TeamMemberDto) @ArrayMaxSize(100) members!: TeamMemberDto[];
}

export class StationTeamDto {
  @Id() teamId!: string;
  @Ids() unitIds!: string[];
}

export class ReceivePetitionsDto {
  @Id() teamId!: string;
  @OneOf(PETITION_CHANNELS) channel!: string;
  @ApiProperty({ minimum: 1, maximum: 1_000_000 }) @IsInt() @Min(1) @Max(1_000_000) count!: number;
}

export class RecordIssueDto {
  @Id() issueId!: string;
  @Id() roundId!: string;
  @Id() teamId!: string;
  @Id() unitId!: string;
  @Text(100) category!: string;
  @Text(4000, false, true) summary!: string;
  @ApiPropertyOptional({ description: '立行立改: rectified on the spot' }) @IsOptional() @IsBoolean() immediate?: boolean;
}

export class TransferClueDto {
  @Id() clueId!: string;
  @Id() roundId!: string;
  @Id() teamId!: string;
  @Id(true) issueId?: string;
  @OneOf(CLUE_RECIPIENTS) recipient!: string;
  @Text(50, true) subjectRank?: string;
  @Text(4000, false, true) summary!: string;
}

export class DisposeClueDto {
  @Id() clueId!: string;
  @OneOf(DISPOSAL_OUTCOMES) outcome!: string;
  @ApiProperty({ minimum: 1 }) @IsInt() @Min(1) @Max(100_000) persons!: number;
}

export class ClueRefDto {
  @Id() clueId!: string;
}

export class DeliverFeedbackDto {
  @Id() roundId!: string;
  @Id() unitId!: string;
}

export class RequireRectificationDto {
  @Id() rectificationId!: string;
  @Id() issueId!: string;
  @Id() unitId!: string;
  @Instant() dueBy!: string;
}

export class RectificationRefDto {
  @Id() rectificationId!: string;
}

export class EscalateFindingDto {
  @Id() issueId!: string;
  @Code() toJurisdiction!: string;
  @Text(2000, true, true) note?: string;
}

export class AdoptFindingDto {
  @Id() issueId!: string;
  @Id() roundId!: string;
}

export class AssignTaskDto {
  @Id() taskId!: string;
  @Code() toJurisdiction!: string;
  @OneOf(TASK_KINDS) kind!: string;
  @Text(200) title!: string;
  @Id(true) roundId?: string;
  @Instant() dueBy!: string;
}

export class AcceptTaskDto {
  @Id() taskId!: string;
  @Text(2000, true, true) note?: string;
}

export class ReportTaskProgressDto {
  @Id() taskId!: string;
  @Text(2000, true, true) note?: string;
  @ApiPropertyOptional({ minimum: 0, maximum: 100 }) @IsOptional() @IsInt() @Min(0) @Max(100) percent?: number;
}

export class CompleteTaskDto {
  @Id() taskId!: string;
  @Text(4000, true, true) result?: string;
}

export class SubmitSpecialReportDto {
  @Id() reportId!: string;
  @Id() roundId!: string;
  @Text(50) theme!: string;
  @ApiProperty({ type: [String], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  @IsCleanText({ each: true })
  recipients!: string[];
}

/** The body class of every command: the HTTP edge validates against it before anything else runs. */
export const COMMAND_BODIES = {
  registerJurisdiction: RegisterJurisdictionDto,
  registerUnit: RegisterUnitDto,
  planRound: PlanRoundDto,
  launchRound: RoundRefDto,
  formTeam: FormTeamDto,
  stationTeam: StationTeamDto,
  receivePetitions: ReceivePetitionsDto,
  recordIssue: RecordIssueDto,
  transferClue: TransferClueDto,
  disposeClue: DisposeClueDto,
  concludeClue: ClueRefDto,
  deliverFeedback: DeliverFeedbackDto,
  requireRectification: RequireRectificationDto,
  completeRectification: RectificationRefDto,
  escalateFinding: EscalateFindingDto,
  adoptFinding: AdoptFindingDto,
  assignTask: AssignTaskDto,
  acceptTask: AcceptTaskDto,
  reportTaskProgress: ReportTaskProgressDto,
  completeTask: CompleteTaskDto,
  submitSpecialReport: SubmitSpecialReportDto,
  closeRound: RoundRefDto,
} as const satisfies Record<CommandType, new () => object>;
