import { Controller, Get, Inject, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { Actor } from '#domain';
import { ID_PATTERN, RECTIFICATION_STATUSES } from '#domain';
import type { LedgerFilter, LedgerKind, LedgerPage } from '#projections';
import { HANDOVER_STATUSES, LEDGER_KINDS } from '#projections';
import { Documented, PARAMETER } from './api-docs.js';
import { CurrentActor } from './auth.js';
import { schemaRef } from './openapi-schemas.js';
import { LEDGER_TITLES, shanghaiTime, streamLedgerCsv, streamLedgerXlsx } from './ledger-export.js';
import { LinkageGateway } from './linkage-gateway.js';
import { windowOf } from './report-scope.js';
import { IsCleanText, IsInstant, cleanTextPattern, validatedInstant } from './validation.js';

export class LedgerParams {
  @ApiProperty({ ...PARAMETER.code, example: '350400' })
  @Matches(/^\d{6}$/, { message: 'jurisdiction must be a 6-digit administrative division code' })
  jurisdiction!: string;

  @ApiProperty({ enum: LEDGER_KINDS, description: 'issues 问题清单, rectifications 整改台账 / 责任清单, handovers 移交清单' })
  @IsIn(LEDGER_KINDS)
  kind!: LedgerKind;
}

const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,400}$/;
const LIMIT_PATTERN = /^([1-9]\d{0,1}|[1-4]\d{2}|500)$/;

/** The time a ledger's window and order go by: the row's beginning fact, in domain time. */
const BEGINNING_FACT = 'issues: foundAt, the issue found; rectifications: requiredAt, the rectification required; handovers: handedOverAt, the issue handed over';
const WINDOW_RULES = 'a midnight in Asia/Shanghai, e.g. 2023-01-01T00:00:00+08:00, as the window of a report (rules isInstant, wholeDay, afterFrom)';

export class LedgerQuery {
  @ApiPropertyOptional({ description: 'the round and every round linked below it', pattern: ID_PATTERN.source, maxLength: 128 })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'roundId must be 1-128 letters, digits or . _ : -' })
  roundId?: string;

  @ApiPropertyOptional({ pattern: ID_PATTERN.source, maxLength: 128 })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'unitId must be 1-128 letters, digits or . _ : -' })
  unitId?: string;

  @ApiPropertyOptional({ enum: [...RECTIFICATION_STATUSES, ...HANDOVER_STATUSES], description: 'rectifications: required, planned, completed, closed, reopened; handovers: open, answered' })
  @IsOptional()
  @IsIn([...RECTIFICATION_STATUSES, ...HANDOVER_STATUSES])
  status?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: past due at `at`; false: not (rectifications and handovers)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  @ApiPropertyOptional({ description: "the issue's category", minLength: 1, maxLength: 100, pattern: cleanTextPattern(false) })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @IsCleanText()
  category?: string;

  @ApiPropertyOptional({
    ...PARAMETER.instant,
    description: `window start, included: only rows whose beginning fact lies at or after it (${BEGINNING_FACT}); ${WINDOW_RULES}`,
    example: '2023-01-01T00:00:00+08:00',
  })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({
    ...PARAMETER.instant,
    description: `window end, excluded: only rows whose beginning fact lies before it (${BEGINNING_FACT}); later than from; ${WINDOW_RULES}`,
    example: '2023-07-01T00:00:00+08:00',
  })
  @IsOptional()
  @IsInstant()
  to?: string;

  @ApiPropertyOptional({ description: "the previous page's `next`", pattern: CURSOR_PATTERN.source, maxLength: 400 })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: "cursor must be the previous page's next" })
  cursor?: string;

  @ApiPropertyOptional({ description: 'rows per page, 1-500 (default 50)', pattern: LIMIT_PATTERN.source, minLength: 1, maxLength: 3 })
  @IsOptional()
  @Matches(LIMIT_PATTERN, { message: 'limit must be a whole number from 1 to 500' })
  limit?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv', 'xlsx'], description: 'csv or xlsx: every matching row as a download, Chinese headers, Beijing time, a totals row' })
  @IsOptional()
  @IsIn(['json', 'csv', 'xlsx'])
  format?: 'json' | 'csv' | 'xlsx';

  @ApiPropertyOptional({ ...PARAMETER.instant, description: 'the instant overdue is measured against (default: now)', example: '2019-07-20T09:00:00+08:00' })
  @IsOptional()
  @IsInstant()
  at?: string;
}

/**
 * The ledgers of DESIGN.md §8.3, scoped like reports: a jurisdiction sees its subtree, and a refused
 * read says no more than "not yours" (which is also what an unknown jurisdiction gets).
 */
@ApiTags('ledgers')
@Controller('v1/ledgers')
export class LedgersController {
  constructor(@Inject(LinkageGateway) private readonly gateway: LinkageGateway) {}

  @Get(':jurisdiction/:kind')
  @Documented({
    operationId: 'getLedger',
    summary: "a ledger (台账) of the jurisdiction's subtree, newest first: issues, rectifications or handovers",
    description:
      'Rows whose unit lies in the subtree, as this level holds them; filters, a cursor and `count` of every match. `from`/`to` keep the rows whose beginning fact (issue found, rectification required, issue handed over) lies in [from, to), domain time, whole Asia/Shanghai days. `format=csv|xlsx` downloads every matching row with Chinese headers, Beijing time and a totals row.',
    ok: {
      status: 200,
      description: 'a page of the ledger (JSON), or the whole ledger as a download',
      schema: { oneOf: [schemaRef('IssueLedger'), schemaRef('RectificationLedger'), schemaRef('HandoverLedger')] },
      headers: { 'Content-Disposition': { $ref: '#/components/headers/Content-Disposition' } },
      alsoAs: {
        'text/csv': { type: 'string', maxLength: 2_147_483_647, description: 'UTF-8 with a byte order mark, one row per line, a totals row last' },
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { type: 'string', format: 'binary', maxLength: 2_147_483_647 },
      },
    },
    problems: {
      400: 'a filter, the window, the cursor or `at` broke its rule (status of another ledger, overdue or status on the issues ledger, a bound not a Shanghai midnight, `to` not after `from`)',
      403: 'ReadForbidden: not in the actor\'s subtree, or not a registered jurisdiction (answered alike)',
      404: 'UnknownScope: the round family is not known here (or lies on another branch)',
    },
  })
  async ledger(@Param() { jurisdiction, kind }: LedgerParams, @Query() query: LedgerQuery, @CurrentActor() actor: Actor): Promise<LedgerPage<LedgerKind> | StreamableFile> {
    const node = await this.gateway.readableNode(actor, jurisdiction);
    const window = windowOf(query.from, query.to);
    const filter: LedgerFilter = {
      ...(query.roundId !== undefined ? { roundId: query.roundId } : {}),
      ...(query.unitId !== undefined ? { unitId: query.unitId } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...(query.overdue !== undefined ? { overdue: query.overdue === 'true' } : {}),
      ...(query.category !== undefined ? { category: query.category } : {}),
      ...(window?.from != null ? { from: window.from } : {}),
      ...(window?.to != null ? { to: window.to } : {}),
    };
    if (filter.roundId !== undefined) this.gateway.access.requireVisibleScope(actor, node.readModel, { roundId: filter.roundId });
    const at = query.at !== undefined ? validatedInstant(query.at) : this.gateway.runtime.clock.now();
    const page = (cursor: string | undefined, limit: number) =>
      node.readModel.ledger(jurisdiction, kind, filter, node.jurisdictions, at, node.projections.checkpoint, { ...(cursor !== undefined ? { cursor } : {}), limit });
    if (query.format === undefined || query.format === 'json') return page(query.cursor, query.limit !== undefined ? Number(query.limit) : 50);

    // Counted now (a bad filter is refused before a byte is sent); the rows are read as the writer asks for them.
    const download = node.readModel.ledgerDownload(jurisdiction, kind, filter, node.jurisdictions, at);
    const name = registryName(this.gateway, jurisdiction);
    const title = `${name}${LEDGER_TITLES[kind]}（截至 ${shanghaiTime(at)}，共 ${download.count} 条）`;
    const file = `${jurisdiction}-${kind}.${query.format}`;
    return query.format === 'xlsx'
      ? new StreamableFile(streamLedgerXlsx(kind, title, download.chunks), {
          type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          disposition: `attachment; filename="${file}"`,
        })
      : new StreamableFile(streamLedgerCsv(kind, download.chunks), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${file}"` });
  }
}

const registryName = (gateway: LinkageGateway, jurisdiction: string): string => gateway.runtime.registry.get(jurisdiction)?.name ?? jurisdiction;
