import fc from 'fast-check';
import { shanghaiTime } from './ledger-export.js';

/** The time zone database's answer, which shanghaiTime computes without asking it since 1992. */
const BY_TIME_ZONE_DATABASE = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const expected = (millis: number): string => {
  const parts = Object.fromEntries(BY_TIME_ZONE_DATABASE.formatToParts(new Date(millis)).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}`;
};

describe('shanghaiTime', () => {
  it('agrees with the time zone database for any instant of 1900-2199, daylight saving of 1986-1991 included', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31, 23, 59, 59) }), (millis) => {
        expect(shanghaiTime(new Date(millis).toISOString())).toBe(expected(millis));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['2021-12-31T16:00:00Z', '2022-01-01 00:00'],
    // The same UTC hour again: its Beijing date and hour remembered, its minutes its own.
    ['2021-12-31T16:59:59.999Z', '2022-01-01 00:59'],
    ['2023-06-30T09:00:00+08:00', '2023-06-30 09:00'],
    ['2024-02-28T16:59:59.999Z', '2024-02-29 00:59'],
    ['1991-12-31T15:59:59Z', '1991-12-31 23:59'],
    ['1991-07-01T00:00:00Z', '1991-07-01 09:00'],
    ['2199-12-31T15:59:00Z', '2199-12-31 23:59'],
  ])('%s is %s in Beijing', (instant, shown) => {
    expect(shanghaiTime(instant)).toBe(shown);
  });

  it('no time, no text', () => {
    expect(shanghaiTime(null)).toBe('');
  });
});
