/**
 * Instants: the one parser every edge (bodies, headers, query strings, scenario files) validates
 * with, so that what is accepted is exactly what can later be compared. ISO 8601's looser forms
 * (week dates, ordinal dates, basic format, hour-only) would pass a generic ISO check and then read
 * as NaN wherever times are compared: a task due that way would never be overdue.
 */

/** Extended format, minutes at least, an explicit offset: `2021-12-31T00:00:00+08:00`. */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Years an inspection fact can plausibly carry. Outside them a date is a typing slip (0021 for
 * 2021, 9999 as "no deadline") that would silently distort every overdue figure.
 */
export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 2199;

export const INSTANT_FORMAT = 'an ISO 8601 instant with a time zone offset, e.g. 2021-12-31T00:00:00+08:00';

export type InstantProblem = 'format' | 'calendar' | 'range';

export type ParsedInstant =
  | { readonly ok: true; readonly instant: string; readonly millis: number }
  | { readonly ok: false; readonly problem: InstantProblem; readonly message: string };

const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Parses and checks an instant; the canonical form is UTC with milliseconds (`toISOString`). */
export const parseInstant = (value: string): ParsedInstant => {
  const match = INSTANT.exec(value);
  if (!match) return { ok: false, problem: 'format', message: `must be ${INSTANT_FORMAT}` };
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = [1, 2, 3, 4, 5, 6, 8, 9].map((group) =>
    match[group] === undefined ? undefined : Number(match[group]),
  ) as [number, number, number, number, number, number?, number?, number?];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 14 || offsetMinutes > 59) {
    return { ok: false, problem: 'calendar', message: `${value} is not a date and time that exists` };
  }
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) {
    return { ok: false, problem: 'range', message: `year ${year} lies outside ${EARLIEST_YEAR}-${LATEST_YEAR}` };
  }
  const millis = Date.parse(value);
  if (Number.isNaN(millis)) return { ok: false, problem: 'format', message: `must be ${INSTANT_FORMAT}` };
  return { ok: true, instant: new Date(millis).toISOString(), millis };
};

/** The canonical UTC form of an instant, or undefined when `parseInstant` refuses it. */
export const canonicalInstant = (value: string): string | undefined => {
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.instant : undefined;
};

export const isBefore = (a: string, b: string): boolean => Date.parse(a) < Date.parse(b);
