import { canonicalInstant, parseInstant } from '#domain';

describe('parseInstant', () => {
  it.each([
    ['2021-12-31T00:00:00+08:00', '2021-12-30T16:00:00.000Z'],
    ['2021-12-31T00:00+08:00', '2021-12-30T16:00:00.000Z'],
    ['2020-02-29T12:00:00.123456Z', '2020-02-29T12:00:00.123Z'],
    ['2000-02-29T00:00:00-05:30', '2000-02-29T05:30:00.000Z'],
  ])('accepts %s as %s', (text, canonical) => {
    expect(canonicalInstant(text)).toBe(canonical);
  });

  it.each([
    // Forms a generic ISO 8601 check passes, which Date.parse cannot read (never overdue, never late).
    ['2023-W26-5T00:00:00+08:00', 'format'],
    ['20230630T000000+08:00', 'format'],
    ['2023-06-30T00+08:00', 'format'],
    ['2023-181T00:00:00+08:00', 'format'],
    ['2023-06-30T00:00:00', 'format'],
    ['2023-06-30', 'format'],
    // Dates Date.parse silently rolls over into the next month or day.
    ['2021-02-30T00:00:00+08:00', 'calendar'],
    ['2021-02-29T00:00:00Z', 'calendar'],
    ['1900-02-29T00:00:00Z', 'calendar'],
    ['2021-04-31T00:00:00Z', 'calendar'],
    ['2021-01-01T24:00:00Z', 'calendar'],
    ['2021-01-01T23:59:60Z', 'calendar'],
    ['2021-01-01T10:00:00+15:00', 'calendar'],
    ['2021-13-01T00:00:00Z', 'calendar'],
    // Years that are typing slips.
    ['0000-01-01T00:00:00Z', 'range'],
    ['1000-01-01T00:00:00Z', 'range'],
    ['9999-12-31T00:00:00Z', 'range'],
  ])('refuses %s (%s)', (text, problem) => {
    const parsed = parseInstant(text);
    expect(parsed).toMatchObject({ ok: false, problem });
    expect(canonicalInstant(text)).toBeUndefined();
  });
});
