import { Readable } from 'node:stream';
import { Controller, Get, HttpCode, Inject, Param, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Actor, JurisdictionLookup, Level } from '#domain';
import { ID_PATTERN, LEVELS, Refusal } from '#domain';
import type { Finding, HeldHead, VerificationReport, AggregateAsOf, AsOfReplay, Lineage, LineageSubject, ReplayPage, ReplaySubject, SignedHeadRecord } from '#audit';
import type { LevelNode } from '#linkage';
import type { RoundAuthorityAudit } from '#audit';
import { ChainNotKept, LINEAGE_SUBJECTS, UnknownAuthorityRound, UnknownLineageSubject, exportServedLevel, heldHeadsOf, signServedLevel, verifyServedLevel } from '#audit';
import type { ReadModel, Report, TaskStream } from '#projections';
import { BODY_PROBLEMS, Documented, PARAMETER } from './api-docs.js';
import { CurrentActor } from './auth.js';
import { LinkageGateway } from './linkage-gateway.js';
import { ScopeFrom, ScopeRoundId, ScopeTheme, ScopeTo, windowOf } from './report-scope.js';
import { AuditUnavailable, ValidationFailed } from './problems.js';
import type { ReadAccess } from './read-access.js';
import { Expensive } from './request-guards.js';
import { STREAM_PATTERN, schemaRef } from './openapi-schemas.js';
import { IsInstant, validatedInstant } from './validation.js';

const POSITION_PATTERN = /^\d{1,15}$/;
const LIMIT_PATTERN = /^([1-9]\d{0,2}|[1-4]\d{3}|5000)$/;

export class LevelParam {
  @ApiProperty({ ...PARAMETER.level, description: 'the level whose history' }) @IsIn(LEVELS) level!: Level;
}

export class AuditJurisdictionParam {
  @ApiProperty({ ...PARAMETER.code, description: 'a 6-digit administrative division code: the root of the subtree' })
  @Matches(/^\d{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code' })
  jurisdiction!: string;
}

export class StreamParam {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 201, pattern: STREAM_PATTERN.source, description: 'a stream: `<kind>-<id>`', example: 'task-fj-grain-task-350600' })
  @Matches(STREAM_PATTERN, { message: 'streamId must be a stream name such as round-<id>' })
  streamId!: string;
}

export class LineageParams {
  @ApiProperty({ enum: LINEAGE_SUBJECTS, description: 'what the id names' }) @IsIn(LINEAGE_SUBJECTS) kind!: LineageSubject;
  @ApiProperty({ ...PARAMETER.id, description: 'the task, issue or clue id', example: 'fj-grain-task-350600' }) @Matches(ID_PATTERN) id!: string;
}

export class AuthorityParams {
  @ApiProperty({ ...PARAMETER.id, description: 'the round', example: 'zz-cross-2021' }) @Matches(ID_PATTERN) roundId!: string;
}

export class LevelQuery {
  @ApiPropertyOptional({ ...PARAMETER.level, description: "whose store to read (default: the level of the actor's jurisdiction)" })
  @IsOptional()
  @IsIn(LEVELS)
  level?: Level;
}

/** "As known at": a record time, or a position of the level's log. */
export class AsOfQuery extends LevelQuery {
  @ApiPropertyOptional({ ...PARAMETER.instant, description: 'as known at this instant: the facts the level had recorded by then (not with position)', example: '2021-10-08T10:00:00+08:00' })
  @IsOptional()
  @IsInstant()
  asOf?: string;

  @ApiPropertyOptional({ ...PARAMETER.position, description: "as known at this position of the level's log (not with asOf)" }) @IsOptional() @Matches(POSITION_PATTERN) position?: string;

  @ApiPropertyOptional({ enum: ['use', 'none'], description: "none: replay the log from its first event instead of starting from a read-model snapshot (derived data)" })
  @IsOptional()
  @IsIn(['use', 'none'])
  snapshots?: 'use' | 'none';

  @ApiPropertyOptional({ ...PARAMETER.instant, description: 'the instant `overdue` is measured against (default: asOf, else now)' })
  @IsOptional()
  @IsInstant()
  at?: string;
}

export class AsOfReportQuery extends AsOfQuery {
  @ScopeRoundId() roundId?: string;
  @ScopeTheme() theme?: string;
  @ScopeFrom() from?: string;
  @ScopeTo() to?: string;
}

export class ReplayQuery extends AsOfQuery {
  @ApiPropertyOptional({ type: 'string', minLength: 1, maxLength: 201, pattern: STREAM_PATTERN.source, description: 'one stream, e.g. round-fj-11-1-grain' })
  @IsOptional()
  @Matches(STREAM_PATTERN)
  stream?: string;

  @ApiPropertyOptional({ ...PARAMETER.id, description: 'every stream whose facts carry this roundId' }) @IsOptional() @Matches(ID_PATTERN) roundId?: string;
  @ApiPropertyOptional({ ...PARAMETER.code, description: 'facts owned by or attributed to this jurisdiction' }) @IsOptional() @Matches(/^\d{6}$/) jurisdiction?: string;
  @ApiPropertyOptional({ ...PARAMETER.id, description: 'facts of one correlation (a command and what it caused, across levels)' })
  @IsOptional()
  @Matches(ID_PATTERN)
  correlationId?: string;

  @ApiPropertyOptional({ ...PARAMETER.position, description: "cursor: facts after this position (the previous page's `next`)" }) @IsOptional() @Matches(POSITION_PATTERN) after?: string;
  @ApiPropertyOptional({ type: 'string', minLength: 1, maxLength: 4, pattern: LIMIT_PATTERN.source, description: 'page size, 1-5000 (default 500)', example: '500' })
  @IsOptional()
  @Matches(LIMIT_PATTERN, { message: 'limit must be a whole number from 1 to 5000' })
  limit?: string;
}

export class ExportQuery {
  @ApiPropertyOptional({ ...PARAMETER.code, description: "one jurisdiction's history; everything else is redacted to digests" })
  @IsOptional()
  @Matches(/^\d{6}$/)
  jurisdiction?: string;
}

export interface AsOfView<T> {
  readonly level: Level;
  /** The log position the view stands at. */
  readonly position: number;
  /** The instant it was asked as of, when one was given. */
  readonly knownAt: string | null;
  readonly replay: AsOfReplay;
  readonly view: T;
}


/**
 * Auditors' routes (README "Audit"): verification of a level's hash chain, signed heads, replay,
 * as-of views, lineage and export. Read-only for everyone but the chain-head signature, which
 * attests to what is stored without changing it. Auditors and admins only, within the auditor's
 * subtree; refusals say no more than the other reads do.
 */
/** Refusals the audit routes share, said once. */
const AUDIT_REFUSALS = {
  403: "RoleNotAllowed or ReadForbidden: not an auditor or admin, or what is asked lies outside the auditor's subtree",
  421: 'MisdirectedRequest: the level is not served by this process',
} as const;

const LEVEL_REFUSED = "RoleNotAllowed or ReadForbidden: not an auditor or admin, or the level lies above the auditor's own";

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}

  @Get('verify/:level')
  @Expensive()
  @Documented({
    operationId: 'verifyChain',
    summary: "recompute a level's hash chain and check every signed head of it this process holds",
    description: "An auditor audits its own level and those below; stream and event ids are left out unless its subtree covers the whole level. Reads the whole store (a rate limit of its own).",
    ok: { status: 200, description: 'the verification report (ok: false names the first break)', schema: schemaRef('VerificationReport') },
    problems: { 400: 'the level is not province, city or county', 403: LEVEL_REFUSED, 421: AUDIT_REFUSALS[421], 501: true },
  })
  async verify(@Param() { level }: LevelParam, @CurrentActor() actor: Actor): Promise<VerificationReport> {
    this.access.requireAuditLevel(actor, level);
    this.gateway.nodeFor(level, `verifying the ${level} chain`);
    const report = await this.audited(() => verifyServedLevel(this.gateway.runtime, level));
    return this.access.coversLevel(actor, level) ? report : redact(report);
  }

  @Get('heads/:level')
  @Documented({
    operationId: 'getSignedHeads',
    summary: "a level's signed chain heads, as its own store and the stores above it hold them (those this process serves)",
    ok: { status: 200, description: 'the signed heads held here', schema: schemaRef('SignedHeads') },
    problems: { 400: 'the level is not province, city or county', 403: LEVEL_REFUSED },
  })
  async heads(@Param() { level }: LevelParam, @CurrentActor() actor: Actor): Promise<{ level: Level; heads: HeldHead[] }> {
    this.access.requireAuditLevel(actor, level);
    return { level, heads: await heldHeadsOf(this.gateway.runtime, level) };
  }

  @Post('heads/:level/sign')
  @HttpCode(201)
  @Documented({
    operationId: 'signChainHead',
    summary: "admin: sign the level's chain head now",
    description:
      'Recorded as a ChainHeadSigned fact, relayed to the levels above. While nothing was stored since the last signature, that one is returned and nothing is written.',
    ok: { status: 201, description: 'the signature and where it was stored', schema: schemaRef('ChainHeadSignature') },
    problems: { 400: 'the level is not province, city or county', 403: 'RoleNotAllowed: only an admin signs', ...BODY_PROBLEMS, 421: AUDIT_REFUSALS[421], 501: true },
  })
  async sign(@Param() { level }: LevelParam, @CurrentActor() actor: Actor): Promise<SignedHeadRecord & { level: Level }> {
    // Auditors read; a signature is a fact in the store, copied to every level above.
    this.access.requireOperator(actor, `signing a chain head needs role admin, not ${actor.role}`);
    this.gateway.nodeFor(level, `signing the ${level} chain head`);
    return { level, ...(await this.audited(() => signServedLevel(this.gateway.runtime, level, actor))) };
  }

  @Get('replay')
  @Expensive()
  @Documented({
    operationId: 'replayFacts',
    summary: 'time-ordered facts of a stream, a round, a jurisdiction or a correlation, with full provenance',
    description: 'Give exactly one of stream, roundId, jurisdiction, correlationId. Pages through `after` and `limit`; `asOf` or `position` replay the log as it stood then.',
    ok: { status: 200, description: 'a page of facts', schema: schemaRef('ReplayPage') },
    problems: { 400: 'a parameter is malformed, not exactly one subject is given, or both asOf and position are', ...AUDIT_REFUSALS },
  })
  async replay(@Query() query: ReplayQuery, @CurrentActor() actor: Actor): Promise<ReplayPage> {
    this.access.requireAuditor(actor);
    const subjects = (['stream', 'roundId', 'jurisdiction', 'correlationId'] as const).filter((key) => query[key] !== undefined);
    if (subjects.length !== 1) {
      throw new ValidationFailed([{ field: 'stream', rule: 'exactlyOne', message: 'give exactly one of stream, roundId, jurisdiction, correlationId' }]);
    }
    const key = subjects[0]!;
    const subject = { [key]: query[key]! } as ReplaySubject;
    if (query.jurisdiction !== undefined) this.access.requireAuditJurisdiction(actor, query.jurisdiction);
    const node = this.node(actor, query.level ?? (query.jurisdiction !== undefined ? this.levelOf(query.jurisdiction) : undefined));
    const upTo = await this.positionOf(node, query, false);
    return node.audit.history.replay(subject, {
      ...(query.after !== undefined ? { after: Number(query.after) } : {}),
      ...(query.limit !== undefined ? { limit: Number(query.limit) } : {}),
      ...(upTo !== undefined ? { upTo } : {}),
      visible: this.access.factVisibility(actor),
    });
  }

  @Get('as-of/reports/:jurisdiction')
  @Expensive()
  @Documented({
    operationId: 'getReportAsOf',
    summary: 'the upward report as the level knew it at a moment (asOf) or position',
    ok: { status: 200, description: 'the report then', schema: schemaRef('ReportAsOf') },
    problems: {
      400: 'a parameter is malformed, neither or both of asOf and position are given, or both roundId and theme',
      403: AUDIT_REFUSALS[403],
      404: 'UnknownScope: the round named by roundId was not known then, or lies on another branch',
      421: AUDIT_REFUSALS[421],
    },
  })
  async reportAsOf(@Param() { jurisdiction }: AuditJurisdictionParam, @Query() query: AsOfReportQuery, @CurrentActor() actor: Actor): Promise<AsOfView<Report>> {
    this.access.requireAuditor(actor);
    if (query.roundId !== undefined && query.theme !== undefined) {
      throw new ValidationFailed([{ field: 'theme', rule: 'exclusive', message: 'give roundId or theme, not both' }]);
    }
    const window = windowOf(query.from, query.to);
    const scope = {
      ...(query.roundId !== undefined ? { roundId: query.roundId } : {}),
      ...(query.theme !== undefined ? { theme: query.theme } : {}),
      ...(window !== undefined ? { window } : {}),
    };
    return this.asOf(actor, jurisdiction, query, (readModel, registry, position, at) => {
      this.access.requireVisibleScope(actor, readModel, scope);
      return readModel.report(jurisdiction, scope, registry, at, position);
    });
  }

  @Get('as-of/tasks/:jurisdiction')
  @Expensive()
  @Documented({
    operationId: 'getTaskStreamAsOf',
    summary: 'the downward task stream as the level knew it at a moment (asOf) or position',
    ok: { status: 200, description: 'the task stream then', schema: schemaRef('TaskStreamAsOf') },
    problems: { 400: 'a parameter is malformed, or neither or both of asOf and position are given', ...AUDIT_REFUSALS },
  })
  async tasksAsOf(@Param() { jurisdiction }: AuditJurisdictionParam, @Query() query: AsOfQuery, @CurrentActor() actor: Actor): Promise<AsOfView<TaskStream>> {
    this.access.requireAuditor(actor);
    return this.asOf(actor, jurisdiction, query, (readModel, _registry, position, at) => readModel.taskStream(jurisdiction, at, position));
  }

  @Get('as-of/aggregates/:streamId')
  @Expensive()
  @Documented({
    operationId: 'getAggregateAsOf',
    summary: "an aggregate's state at a moment or position: its stream's prefix folded with the domain's evolve",
    ok: { status: 200, description: 'the aggregate then', schema: schemaRef('AggregateAsOf') },
    problems: {
      400: 'a parameter is malformed, or neither or both of asOf and position are given',
      403: "RoleNotAllowed or ReadForbidden: not an auditor or admin, or the stream holds nothing the auditor may see by then (a missing stream answers alike)",
      421: AUDIT_REFUSALS[421],
    },
  })
  async aggregateAsOf(@Param() { streamId }: StreamParam, @Query() query: AsOfQuery, @CurrentActor() actor: Actor): Promise<AggregateAsOf & { level: Level; knownAt: string | null }> {
    this.access.requireAuditor(actor);
    const node = this.node(actor, query.level);
    const position = (await this.positionOf(node, query, true))!;
    const { visible, ...aggregate } = await node.audit.history.aggregateAt(streamId, position, this.access.factVisibility(actor));
    if (!visible) throw this.access.refuseStream(actor, streamId);
    return { level: node.level, knownAt: query.asOf ?? null, ...aggregate };
  }

  @Get('lineage/:kind/:id')
  @Expensive()
  @Documented({
    operationId: 'getLineage',
    summary: "causes and effects across levels of a task, an issue or a clue, from one level's store",
    ok: { status: 200, description: 'the lineage', schema: schemaRef('Lineage') },
    problems: {
      400: true,
      ...AUDIT_REFUSALS,
      404: 'UnknownTask, UnknownIssue or UnknownClue: not known at the level, or nothing of it is visible to the auditor (answered alike)',
    },
  })
  async lineage(@Param() { kind, id }: LineageParams, @Query() query: LevelQuery, @CurrentActor() actor: Actor): Promise<Lineage> {
    this.access.requireAuditor(actor);
    const node = this.node(actor, query.level);
    try {
      return await node.audit.lineage(kind, id, this.access.factVisibility(actor));
    } catch (error) {
      if (error instanceof UnknownLineageSubject) throw new Refusal(kind === 'task' ? 'UnknownTask' : kind === 'issue' ? 'UnknownIssue' : 'UnknownClue', error.message);
      throw error;
    }
  }

  @Get('authority/:roundId')
  @Expensive()
  @Documented({
    operationId: 'getRoundAuthority',
    summary: "who was allowed to act in a round, and on whose authority: its authorisations and each act with those in force at the act's domain time, from one level's store",
    ok: { status: 200, description: "the round's authority", schema: schemaRef('RoundAuthority') },
    problems: { 400: true, ...AUDIT_REFUSALS, 404: 'UnknownRound: not known at the level, or not visible to the auditor (answered alike)' },
  })
  async authority(@Param() { roundId }: AuthorityParams, @Query() query: LevelQuery, @CurrentActor() actor: Actor): Promise<RoundAuthorityAudit> {
    this.access.requireAuditor(actor);
    const node = this.node(actor, query.level);
    try {
      return await node.audit.authority(roundId, this.access.factVisibility(actor));
    } catch (error) {
      if (error instanceof UnknownAuthorityRound) throw new Refusal('UnknownRound', error.message);
      throw error;
    }
  }

  @Get('export/:level')
  @Expensive()
  @Documented({
    operationId: 'exportHistory',
    summary: "NDJSON of a level's history (or one jurisdiction's, the rest redacted) with the signed heads to verify it offline",
    description: 'A whole level only for an auditor whose subtree covers it; verify the file with `npm run verify -- --export FILE`.',
    ok: {
      status: 200,
      description: 'the export, one JSON object per line',
      mediaType: 'application/x-ndjson',
      schema: schemaRef('ExportLine'),
      headers: { 'Content-Disposition': { $ref: '#/components/headers/Content-Disposition' } },
    },
    problems: { 400: true, ...AUDIT_REFUSALS, 501: true },
  })
  async export(@Param() { level }: LevelParam, @Query() query: ExportQuery, @CurrentActor() actor: Actor): Promise<StreamableFile> {
    this.access.requireAuditor(actor);
    if (query.jurisdiction !== undefined) this.access.requireAuditJurisdiction(actor, query.jurisdiction);
    else this.access.requireWholeLevel(actor, level);
    this.gateway.nodeFor(level, `the ${level} history`);
    const { lines } = await this.audited(() => exportServedLevel(this.gateway.runtime, level, query.jurisdiction !== undefined ? { jurisdiction: query.jurisdiction } : {}));
    const body = Readable.from((async function* () {
      for await (const line of lines) yield `${line}\n`;
    })());
    const name = `${level}${query.jurisdiction !== undefined ? `-${query.jurisdiction}` : ''}.audit.ndjson`;
    return new StreamableFile(body, { type: 'application/x-ndjson', disposition: `attachment; filename="${name}"` });
  }

  /** Who may read or audit what: the one policy every read and audit route enforces. */
  private get access(): ReadAccess {
    return this.gateway.access;
  }

  private levelOf(jurisdiction: string): Level | undefined {
    return this.gateway.runtime.registry.get(jurisdiction)?.level;
  }

  /** The node whose store to read: the one asked for, or the actor's own level's. */
  private node(actor: Actor, level: Level | undefined): LevelNode {
    const chosen = this.access.auditedLevel(actor, level);
    return this.gateway.nodeFor(chosen, `the ${chosen} history`);
  }

  /** The log position a query stands at: `position`, or the last one recorded by `asOf`. */
  private async positionOf(node: LevelNode, query: AsOfQuery, required: boolean): Promise<number | undefined> {
    if (query.asOf !== undefined && query.position !== undefined) {
      throw new ValidationFailed([{ field: 'position', rule: 'exclusive', message: 'give asOf or position, not both' }]);
    }
    if (query.position !== undefined) return Math.min(Number(query.position), await node.store.headPosition());
    if (query.asOf !== undefined) return node.audit.history.positionKnownAt(validatedInstant(query.asOf));
    if (required) throw new ValidationFailed([{ field: 'asOf', rule: 'required', message: 'give asOf (an instant) or position' }]);
    return undefined;
  }

  private async asOf<T>(
    actor: Actor,
    jurisdiction: string,
    query: AsOfQuery,
    view: (readModel: ReadModel, registry: JurisdictionLookup, position: number, at: string) => T,
  ): Promise<AsOfView<T>> {
    const node = await this.gateway.readableNode(actor, jurisdiction);
    const position = (await this.positionOf(node, query, true))!;
    const knownAt = query.asOf !== undefined ? validatedInstant(query.asOf) : null;
    const at = query.at !== undefined ? validatedInstant(query.at) : (knownAt ?? this.gateway.runtime.clock.now());
    const { value, replay } = await node.audit.history.withReadModelAt(position, (readModel, registry) => view(readModel, registry, position, at), {
      snapshots: query.snapshots !== 'none',
    });
    return { level: node.level, position, knownAt, replay, view: value };
  }

  private async audited<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ChainNotKept) throw new AuditUnavailable(error.message);
      throw error;
    }
  }
}

/** A report for an auditor whose subtree does not cover the whole level: positions, no ids. */
const redact = (report: VerificationReport): VerificationReport => {
  const strip = ({ streamId: _stream, eventId: _event, ...finding }: Finding): Finding => finding;
  return { ...report, firstBroken: report.firstBroken ? strip(report.firstBroken) : null, findings: report.findings.map(strip) };
};
