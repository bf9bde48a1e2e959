/**
 * Ledger downloads (台账导出): one sheet per ledger with Chinese column headers, times in Asia/Shanghai,
 * and a totals row, as XLSX (streamed, so a 100,000-row ledger never sits in memory whole) or CSV.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { HandoverRow, IssueRow, LedgerKind, LedgerRows, LedgerRowsPage, RectificationRow } from '#projections';
import type { XlsxRow } from './xlsx-stream.js';
import { streamXlsx } from './xlsx-stream.js';

/** Rows per read of the read model while a download streams. */
export const LEDGER_DOWNLOAD_PAGE = 2000;

/**
 * The rows of a download, a page at a time: `first`, then each next page read when the writer asks
 * for it, so that only one page of rows is held at once.
 */
export async function* ledgerPages<K extends LedgerKind>(first: LedgerRowsPage<K>, next: (cursor: string) => LedgerRowsPage<K>): AsyncIterable<LedgerRows[K][]> {
  let current: LedgerRowsPage<K> = first;
  yield current.rows;
  while (current.next !== null) {
    current = next(current.next);
    yield current.rows;
  }
}

/**
 * Beijing time has been UTC+8 all year since 1992, so a time since then is computed, not looked up:
 * the time zone database's formatToParts costs about as much as the rest of a ledger row. Earlier
 * times (daylight saving 1986-1991, and before) still ask it.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const FIXED_OFFSET_SINCE = Date.UTC(1992, 0, 1);
const FIXED_OFFSET_SINCE_UTC = new Date(FIXED_OFFSET_SINCE).toISOString();
const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const twoDigits = (value: number): string => (value < 10 ? `0${value}` : String(value));

const computedShanghaiTime = (millis: number): string => {
  const beijing = new Date(millis + SHANGHAI_OFFSET_MS);
  return `${beijing.getUTCFullYear()}-${twoDigits(beijing.getUTCMonth() + 1)}-${twoDigits(beijing.getUTCDate())} ${twoDigits(beijing.getUTCHours())}:${twoDigits(beijing.getUTCMinutes())}`;
};

/**
 * Beijing date and hour by UTC hour (`2021-12-31T16` → `2022-01-01 00`), for instants written as the
 * read model stores them (UTC, `Z`): a download's five dates a row then cost a lookup each. Emptied
 * when full; an hour is a key, so 50,000 keys cover more than five years of dates.
 */
const BEIJING_HOURS = new Map<string, string>();
const BEIJING_HOURS_MAX = 50_000;
const UTC_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;

/** `2021-12-31 08:00`, in Beijing time, as offices read dates. */
export const shanghaiTime = (instant: string | null): string => {
  if (instant === null) return '';
  if (UTC_MINUTE.test(instant) && instant >= FIXED_OFFSET_SINCE_UTC) {
    const hourKey = instant.slice(0, 13);
    let hour = BEIJING_HOURS.get(hourKey);
    if (hour === undefined) {
      if (BEIJING_HOURS.size >= BEIJING_HOURS_MAX) BEIJING_HOURS.clear();
      hour = computedShanghaiTime(Date.parse(instant)).slice(0, 13);
      BEIJING_HOURS.set(hourKey, hour);
    }
    return hour + instant.slice(13, 16);
  }
  const millis = Date.parse(instant);
  if (millis >= FIXED_OFFSET_SINCE) return computedShanghaiTime(millis);
  const parts = Object.fromEntries(SHANGHAI.formatToParts(new Date(millis)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}`;
};

export const LEDGER_TITLES: Record<LedgerKind, string> = { issues: '问题清单', rectifications: '整改台账', handovers: '移交清单' };

const RECTIFICATION_STATUS: Record<string, string> = { required: '待认领', planned: '整改中', completed: '已完成待销号', closed: '已销号', reopened: '已重新整改' };
const HANDOVER_STATUS: Record<string, string> = { open: '待反馈', answered: '已反馈' };
const RECIPIENT: Record<string, string> = { discipline: '纪检监察机关', organization: '组织部门', propaganda: '宣传部门', finance: '财政部门', audit: '审计部门', judicial: '司法机关' };
const VERDICT: Record<string, string> = { genuine: '整改到位', superficial: '整改不实', relapsed: '问题反弹' };
const yes = (value: boolean): string => (value ? '是' : '否');

interface Column<Row> {
  readonly header: string;
  readonly width: number;
  readonly value: (row: Row) => string | number;
}

const ISSUE_COLUMNS: Column<IssueRow>[] = [
  { header: '问题编号', width: 18, value: (row) => row.issueId },
  { header: '巡视巡察轮次', width: 18, value: (row) => row.roundId },
  { header: '被巡察单位', width: 28, value: (row) => row.unitName ?? row.unitId },
  { header: '所属地区代码', width: 12, value: (row) => row.jurisdiction },
  { header: '问题类别', width: 14, value: (row) => row.category ?? '' },
  { header: '立行立改', width: 8, value: (row) => yes(row.immediate) },
  { header: '发现时间', width: 17, value: (row) => shanghaiTime(row.foundAt) },
  { header: '是否督办', width: 8, value: (row) => yes(row.supervised) },
  { header: '典型问题', width: 8, value: (row) => yes(row.typical) },
  { header: '整改编号', width: 20, value: (row) => row.rectificationIds.join('、') },
  { header: '移交编号', width: 20, value: (row) => row.handoverIds.join('、') },
];

const RECTIFICATION_COLUMNS: Column<RectificationRow>[] = [
  { header: '整改编号', width: 18, value: (row) => row.rectificationId },
  { header: '问题编号', width: 18, value: (row) => row.issueId },
  { header: '巡视巡察轮次', width: 18, value: (row) => row.roundId },
  { header: '责任单位', width: 28, value: (row) => row.unitName ?? row.unitId },
  { header: '所属地区代码', width: 12, value: (row) => row.jurisdiction },
  { header: '交办机关代码', width: 12, value: (row) => row.requiredBy },
  { header: '交办时间', width: 17, value: (row) => shanghaiTime(row.requiredAt) },
  { header: '整改时限', width: 17, value: (row) => shanghaiTime(row.dueBy) },
  { header: '整改状态', width: 12, value: (row) => RECTIFICATION_STATUS[row.status] ?? row.status },
  { header: '整改措施', width: 40, value: (row) => row.measures.map((measure) => measure.text).join('；') },
  { header: '责任领导', width: 14, value: (row) => row.responsibleLeader ?? '' },
  { header: '牵头部门', width: 20, value: (row) => row.leadDepartment ?? '' },
  { header: '完成时间', width: 17, value: (row) => shanghaiTime(row.completedAt) },
  { header: '销号时间', width: 17, value: (row) => shanghaiTime(row.closedAt) },
  { header: '是否逾期', width: 8, value: (row) => yes(row.overdue) },
  { header: '逾期完成', width: 8, value: (row) => yes(row.completedLate) },
  { header: '退回次数', width: 8, value: (row) => row.rejections },
  { header: '回头看评估', width: 30, value: (row) => row.reassessments.map((entry) => `${shanghaiTime(entry.at)} ${VERDICT[entry.verdict] ?? entry.verdict}`).join('；') },
];

const HANDOVER_COLUMNS: Column<HandoverRow>[] = [
  { header: '移交编号', width: 18, value: (row) => row.handoverId },
  { header: '问题编号', width: 18, value: (row) => row.issueId },
  { header: '巡视巡察轮次', width: 18, value: (row) => row.roundId },
  { header: '涉及单位', width: 28, value: (row) => row.unitName ?? row.unitId },
  { header: '所属地区代码', width: 12, value: (row) => row.jurisdiction },
  { header: '移交对象', width: 14, value: (row) => RECIPIENT[row.recipient] ?? row.recipient },
  { header: '移交时间', width: 17, value: (row) => shanghaiTime(row.handedOverAt) },
  { header: '反馈时限', width: 17, value: (row) => shanghaiTime(row.dueBy) },
  { header: '办理状态', width: 10, value: (row) => HANDOVER_STATUS[row.status] ?? row.status },
  { header: '反馈时间', width: 17, value: (row) => shanghaiTime(row.answeredAt) },
  { header: '办理结果', width: 40, value: (row) => row.result ?? '' },
  { header: '是否逾期', width: 8, value: (row) => yes(row.overdue) },
];

const COLUMNS: { [K in LedgerKind]: Column<LedgerRows[K]>[] } = { issues: ISSUE_COLUMNS, rectifications: RECTIFICATION_COLUMNS, handovers: HANDOVER_COLUMNS };

/** The cells of one ledger row, in column order. */
export const ledgerCells = <K extends LedgerKind>(kind: K, row: LedgerRows[K]): (string | number)[] => COLUMNS[kind].map((column) => column.value(row));

export const ledgerHeaders = (kind: LedgerKind): string[] => COLUMNS[kind].map((column) => column.header);

/** The totals row: how many rows, and how many of them overdue where the ledger has due dates. */
const totals = <K extends LedgerKind>(kind: K, rows: number, overdue: number): (string | number)[] => {
  const cells: (string | number)[] = COLUMNS[kind].map(() => '');
  cells[0] = `合计 ${rows} 条`;
  const overdueColumn = COLUMNS[kind].findIndex((column) => column.header === '是否逾期');
  if (overdueColumn >= 0) cells[overdueColumn] = `逾期 ${overdue} 条`;
  return cells;
};

const isOverdue = (row: object): boolean => (row as { overdue?: boolean }).overdue === true;

/** An XLSX workbook of one ledger, streamed as `rows` yields pages. */
export const streamLedgerXlsx = <K extends LedgerKind>(kind: K, title: string, rows: AsyncIterable<LedgerRows[K][]>): Readable =>
  streamXlsx(
    { name: LEDGER_TITLES[kind], widths: COLUMNS[kind].map((column) => column.width), frozenRows: 2, creator: 'inspection-linkage' },
    (async function* () {
      yield [
        { cells: [title], style: 'caption' },
        { cells: ledgerHeaders(kind), style: 'bold' },
      ];
      let count = 0;
      let overdue = 0;
      for await (const page of rows) {
        count += page.length;
        overdue += page.filter(isOverdue).length;
        yield page.map((row): XlsxRow => ({ cells: ledgerCells(kind, row) }));
      }
      yield [{ cells: totals(kind, count, overdue), style: 'bold' }];
    })(),
  );

const csvCell = (value: string | number): string => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * CSV of one ledger: a UTF-8 byte order mark first, so that spreadsheet programs on office
 * computers read the Chinese headers as UTF-8; the totals row last.
 */
export const streamLedgerCsv = <K extends LedgerKind>(kind: K, rows: AsyncIterable<LedgerRows[K][]>): Readable => {
  const output = new PassThrough();
  void (async () => {
    output.write(`\uFEFF${ledgerHeaders(kind).map(csvCell).join(',')}\r\n`);
    let count = 0;
    let overdue = 0;
    for await (const page of rows) {
      output.write(page.map((row) => `${ledgerCells(kind, row).map(csvCell).join(',')}\r\n`).join(''));
      count += page.length;
      overdue += page.filter(isOverdue).length;
    }
    output.end(`${totals(kind, count, overdue).map(csvCell).join(',')}\r\n`);
  })().catch((error: unknown) => output.destroy(error as Error));
  return output;
};
