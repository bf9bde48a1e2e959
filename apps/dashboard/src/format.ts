// './labels.js', not './labels': the unit tests (test/dashboard) compile this file under Node's module rules too.
import { RATIO_FIGURES } from './labels.js';

/** Every instant is shown in Beijing time, whatever the browser's zone. */
const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const DATE = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const NUMBER = new Intl.NumberFormat('zh-CN');
const PERCENT = new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 });

export const dateTime = (iso: string | null | undefined): string => (iso ? DATE_TIME.format(new Date(iso)) : '—');
export const date = (iso: string | null | undefined): string => (iso ? DATE.format(new Date(iso)) : '—');

/** A figure of the report by its dotted path (`rectifications.rate`); absent reads as 0 (DESIGN.md §8.5). */
export const figureOf = (figures: unknown, path: string): number => {
  let node: unknown = figures;
  // Categories and ranks are free text and may hold dots: everything after the map's name is the key.
  for (const map of ['issuesByCategory', 'cluesBySubjectRank'] as const) {
    if (path.startsWith(`${map}.`)) {
      const entries = (figures as Partial<Record<typeof map, Record<string, number>>> | null)?.[map] ?? {};
      return entries[path.slice(map.length + 1)] ?? 0;
    }
  }
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return 0;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'number' ? node : 0;
};

export const formatFigure = (path: string, value: number): string =>
  RATIO_FIGURES.has(path) ? PERCENT.format(value) : path.endsWith('PerRound') ? formatAverage(value) : NUMBER.format(value);

/** Beijing wall time of an instant, `YYYY-MM-DDTHH:mm:ss` (what the time pickers show and edit). */
export const beijingWallTime = (iso: string): string => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19);
/** An instant for the API from a Beijing wall time: ISO 8601 with the +08:00 offset the edge requires. */
export const fromBeijingWallTime = (wall: string): string => `${wall.slice(0, 19)}+08:00`;

/**
 * A report window as the page keeps it in the address: whole days in Beijing time, `YYYY-MM-DD`,
 * both days included (as a date-range picker shows them and an office says "2017年至2019年").
 */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A calendar day that exists (`2021-02-30` does not). */
export const isDay = (text: string): boolean => {
  const match = DAY.exec(text);
  if (match === null) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
};
/** The day after, by the calendar alone (no zone can shift it). */
const dayAfter = (day: string): string => new Date(Date.parse(`${day}T00:00:00Z`) + 24 * 3600_000).toISOString().slice(0, 10);

/**
 * The report API's `from`/`to` for days in the address: the first day's midnight in Asia/Shanghai
 * (included) and the midnight after the last day (excluded: the API's window is [from, to)). Either
 * day may be missing (an open end).
 */
export const windowQuery = (days: { from?: string; to?: string }): { from?: string; to?: string } => ({
  ...(days.from !== undefined && isDay(days.from) ? { from: `${days.from}T00:00:00+08:00` } : {}),
  ...(days.to !== undefined && isDay(days.to) ? { to: `${dayAfter(days.to)}T00:00:00+08:00` } : {}),
});

const DAY_TEXT = new Intl.DateTimeFormat('zh-CN', { timeZone: 'UTC', year: 'numeric', month: 'long', day: 'numeric' });
/** A day of the address as people write it (`2017年1月1日`). */
export const dayText = (day: string): string => DAY_TEXT.format(new Date(`${day}T00:00:00Z`));
/** The window in words, for the page and the printed report. */
export const windowText = (days: { from?: string; to?: string }): string =>
  days.from && days.to ? `${dayText(days.from)}至${dayText(days.to)}` : days.from ? `${dayText(days.from)}以来` : days.to ? `截至${dayText(days.to)}` : '全部时间';

const AVERAGE = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 });
/** A per-round average or a ratio of two: one decimal is what a report quotes ("约2.3倍"). */
export const formatAverage = (value: number): string => AVERAGE.format(value);
