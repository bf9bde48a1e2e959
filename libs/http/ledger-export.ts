/**
 * Ledger downloads (台账导出): one sheet per ledger with Chinese column headers, times in Asia/Shanghai,
 * and a totals row, as XLSX (streamed, so a 100,000-row ledger never sits in memory whole) or CSV.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { Measure } from '#domain';
import type { LedgerDownloadRow, LedgerKind, LedgerRows, RectificationRow } from '#projections';
import { LEDGER_DOWNLOAD_FIELDS } from '#projections';
import { streamXlsx } from './xlsx-stream.js';

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

/**
 * A column of a sheet, read from a download row (LEDGER_DOWNLOAD_FIELDS): the one definition of what
 * a cell shows, for downloads (straight from the read model's values) and for a page's row objects
 * (ledgerCells turns those back into the stored values first).
 */
interface Column {
  readonly header: string;
  readonly width: number;
  readonly value: (row: LedgerDownloadRow) => string | number;
}

/** Where each field sits in a download row of the ledger. */
const fieldsOf = <K extends LedgerKind>(kind: K): Record<(typeof LEDGER_DOWNLOAD_FIELDS)[K][number], number> =>
  Object.fromEntries(LEDGER_DOWNLOAD_FIELDS[kind].map((field, index) => [field, index])) as Record<(typeof LEDGER_DOWNLOAD_FIELDS)[K][number], number>;

const text = (value: unknown): string => (value === null || value === undefined ? '' : (value as string));
const flag = (value: unknown): string => yes(value === 1);
const time = (value: unknown): string => shanghaiTime(value as string | null);

const I = fieldsOf('issues');
const ISSUE_COLUMNS: Column[] = [
  { header: '问题编号', width: 18, value: (row) => row[I.issueId] as string },
  { header: '巡视巡察轮次', width: 18, value: (row) => row[I.roundId] as string },
  { header: '被巡察单位', width: 28, value: (row) => (row[I.unitName] ?? row[I.unitId]) as string },
  { header: '所属地区代码', width: 12, value: (row) => row[I.jurisdiction] as string },
  { header: '问题类别', width: 14, value: (row) => text(row[I.category]) },
  { header: '立行立改', width: 8, value: (row) => flag(row[I.immediate]) },
  { header: '发现时间', width: 17, value: (row) => time(row[I.foundAt]) },
  { header: '是否督办', width: 8, value: (row) => flag(row[I.supervised]) },
  { header: '典型问题', width: 8, value: (row) => flag(row[I.typical]) },
  { header: '整改编号', width: 20, value: (row) => (JSON.parse(row[I.rectificationIds] as string) as string[]).join('、') },
  { header: '移交编号', width: 20, value: (row) => (JSON.parse(row[I.handoverIds] as string) as string[]).join('、') },
];

const R = fieldsOf('rectifications');
const RECTIFICATION_COLUMNS: Column[] = [
  { header: '整改编号', width: 18, value: (row) => row[R.rectificationId] as string },
  { header: '问题编号', width: 18, value: (row) => row[R.issueId] as string },
  { header: '问题类别', width: 14, value: (row) => text(row[R.category]) },
  { header: '巡视巡察轮次', width: 18, value: (row) => row[R.roundId] as string },
  { header: '责任单位', width: 28, value: (row) => (row[R.unitName] ?? row[R.unitId]) as string },
  { header: '所属地区代码', width: 12, value: (row) => row[R.jurisdiction] as string },
  { header: '交办机关代码', width: 12, value: (row) => row[R.requiredBy] as string },
  { header: '交办时间', width: 17, value: (row) => time(row[R.requiredAt]) },
  { header: '整改时限', width: 17, value: (row) => time(row[R.dueBy]) },
  { header: '整改状态', width: 12, value: (row) => RECTIFICATION_STATUS[row[R.status] as string] ?? (row[R.status] as string) },
  { header: '整改措施', width: 40, value: (row) => (JSON.parse(row[R.measures] as string) as Measure[]).map((measure) => measure.text).join('；') },
  { header: '责任领导', width: 14, value: (row) => text(row[R.responsibleLeader]) },
  { header: '牵头部门', width: 20, value: (row) => text(row[R.leadDepartment]) },
  { header: '完成时间', width: 17, value: (row) => time(row[R.completedAt]) },
  { header: '销号时间', width: 17, value: (row) => time(row[R.closedAt]) },
  { header: '是否逾期', width: 8, value: (row) => flag(row[R.overdue]) },
  { header: '逾期完成', width: 8, value: (row) => flag(row[R.completedLate]) },
  { header: '退回次数', width: 8, value: (row) => row[R.rejections] as number },
  {
    header: '回头看评估',
    width: 30,
    value: (row) =>
      (JSON.parse(row[R.reassessments] as string) as RectificationRow['reassessments']).map((entry) => `${shanghaiTime(entry.at)} ${VERDICT[entry.verdict] ?? entry.verdict}`).join('；'),
  },
];

const H = fieldsOf('handovers');
const HANDOVER_COLUMNS: Column[] = [
  { header: '移交编号', width: 18, value: (row) => row[H.handoverId] as string },
  { header: '问题编号', width: 18, value: (row) => row[H.issueId] as string },
  { header: '问题类别', width: 14, value: (row) => text(row[H.category]) },
  { header: '巡视巡察轮次', width: 18, value: (row) => row[H.roundId] as string },
  { header: '涉及单位', width: 28, value: (row) => (row[H.unitName] ?? row[H.unitId]) as string },
  { header: '所属地区代码', width: 12, value: (row) => row[H.jurisdiction] as string },
  { header: '移交对象', width: 14, value: (row) => RECIPIENT[row[H.recipient] as string] ?? (row[H.recipient] as string) },
  { header: '移交时间', width: 17, value: (row) => time(row[H.handedOverAt]) },
  { header: '反馈时限', width: 17, value: (row) => time(row[H.dueBy]) },
  { header: '办理状态', width: 10, value: (row) => HANDOVER_STATUS[row[H.status] as string] ?? (row[H.status] as string) },
  { header: '反馈时间', width: 17, value: (row) => time(row[H.answeredAt]) },
  { header: '办理结果', width: 40, value: (row) => text(row[H.result]) },
  { header: '是否逾期', width: 8, value: (row) => flag(row[H.overdue]) },
];

const COLUMNS: Record<LedgerKind, Column[]> = { issues: ISSUE_COLUMNS, rectifications: RECTIFICATION_COLUMNS, handovers: HANDOVER_COLUMNS };

/** A page's row as a download row: its fields in LEDGER_DOWNLOAD_FIELDS order, as the read model stores them. */
const downloadRowOf = <K extends LedgerKind>(kind: K, row: LedgerRows[K]): LedgerDownloadRow =>
  LEDGER_DOWNLOAD_FIELDS[kind].map((field) => {
    const value = (row as unknown as Record<string, unknown>)[field];
    return typeof value === 'boolean' ? (value ? 1 : 0) : Array.isArray(value) ? JSON.stringify(value) : value;
  });

/** The cells of one download row, in column order. */
export const downloadCells = (kind: LedgerKind, row: LedgerDownloadRow): (string | number)[] => {
  const columns = COLUMNS[kind];
  const cells: (string | number)[] = new Array(columns.length);
  for (let index = 0; index < columns.length; index++) cells[index] = columns[index]!.value(row);
  return cells;
};

/** The cells of one ledger row (as a JSON page holds it), in column order: those of its download row. */
export const ledgerCells = <K extends LedgerKind>(kind: K, row: LedgerRows[K]): (string | number)[] => downloadCells(kind, downloadRowOf(kind, row));

export const ledgerHeaders = (kind: LedgerKind): string[] => COLUMNS[kind].map((column) => column.header);

/** The totals row: how many rows, and how many of them overdue where the ledger has due dates. */
const totals = <K extends LedgerKind>(kind: K, rows: number, overdue: number): (string | number)[] => {
  const cells: (string | number)[] = COLUMNS[kind].map(() => '');
  cells[0] = `合计 ${rows} 条`;
  const overdueColumn = COLUMNS[kind].findIndex((column) => column.header === '是否逾期');
  if (overdueColumn >= 0) cells[overdueColumn] = `逾期 ${overdue} 条`;
  return cells;
};

/** Which field of a download row says it is overdue, where the ledger has due dates. */
const OVERDUE_FIELD: Record<LedgerKind, number> = { issues: -1, rectifications: R.overdue, handovers: H.overdue };

/** Rows of a download turned into sheet XML at a time. */
const SHEET_BATCH_ROWS = 500;

type DownloadChunks = Iterable<readonly LedgerDownloadRow[]> | AsyncIterable<readonly LedgerDownloadRow[]>;

/** An XLSX workbook of one ledger, streamed as `chunks` yields rows (ReadModel.ledgerDownload). */
export const streamLedgerXlsx = (kind: LedgerKind, title: string, chunks: DownloadChunks): Readable =>
  streamXlsx(
    { name: LEDGER_TITLES[kind], widths: COLUMNS[kind].map((column) => column.width), frozenRows: 2, creator: 'inspection-linkage' },
    (async function* () {
      yield [
        { cells: [title], style: 'caption' },
        { cells: ledgerHeaders(kind), style: 'bold' },
      ];
      const overdueField = OVERDUE_FIELD[kind];
      let count = 0;
      let overdue = 0;
      for await (const chunk of chunks) {
        // A chunk read from the read model goes to the sheet in batches: a batch's cells and text are
        // let go while young (cheap for the garbage collector), where a whole chunk's would outlive them.
        for (let start = 0; start < chunk.length; start += SHEET_BATCH_ROWS) {
          const end = Math.min(chunk.length, start + SHEET_BATCH_ROWS);
          const cells: (string | number)[][] = new Array(end - start);
          for (let index = start; index < end; index++) {
            const row = chunk[index]!;
            if (row[overdueField] === 1) overdue++;
            cells[index - start] = downloadCells(kind, row);
          }
          yield cells;
        }
        count += chunk.length;
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
export const streamLedgerCsv = (kind: LedgerKind, chunks: DownloadChunks): Readable => {
  const output = new PassThrough();
  void (async () => {
    output.write(`\uFEFF${ledgerHeaders(kind).map(csvCell).join(',')}\r\n`);
    const overdueField = OVERDUE_FIELD[kind];
    let count = 0;
    let overdue = 0;
    for await (const chunk of chunks) {
      let lines = '';
      for (const row of chunk) {
        if (row[overdueField] === 1) overdue++;
        lines += `${downloadCells(kind, row).map(csvCell).join(',')}\r\n`;
      }
      count += chunk.length;
      // The stream's buffer holds a chunk at most: the next is read once the client has taken this one
      // (or has gone: then nothing more is read).
      if (!output.write(lines)) await Promise.race([once(output, 'drain'), once(output, 'close')]);
      if (output.destroyed) return;
    }
    output.end(`${totals(kind, count, overdue).map(csvCell).join(',')}\r\n`);
  })().catch((error: unknown) => output.destroy(error as Error));
  return output;
};
