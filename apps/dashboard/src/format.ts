import { RATIO_FIGURES } from './labels';

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
  if (path.startsWith('issuesByCategory.')) {
    const map = (figures as { issuesByCategory?: Record<string, number> }).issuesByCategory ?? {};
    return map[path.slice('issuesByCategory.'.length)] ?? 0;
  }
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object') return 0;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'number' ? node : 0;
};

export const formatFigure = (path: string, value: number): string => (RATIO_FIGURES.has(path) ? PERCENT.format(value) : NUMBER.format(value));

/** Beijing wall time of an instant, `YYYY-MM-DDTHH:mm:ss` (what the time pickers show and edit). */
export const beijingWallTime = (iso: string): string => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19);
/** An instant for the API from a Beijing wall time: ISO 8601 with the +08:00 offset the edge requires. */
export const fromBeijingWallTime = (wall: string): string => `${wall.slice(0, 19)}+08:00`;
