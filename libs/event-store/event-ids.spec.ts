import { newEventId } from './event-ids.js';

describe('event ids', () => {
  it('are RFC 9562 version 7 UUIDs carrying the millisecond they were made', () => {
    const id = newEventId(Date.parse('2021-09-28T01:00:00.000Z'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2021-09-28T01:00:00.000Z'));
  });

  it('sort by time and never repeat', () => {
    const earlier = Array.from({ length: 1000 }, () => newEventId(1_700_000_000_000));
    const later = Array.from({ length: 1000 }, () => newEventId(1_700_000_000_001));
    expect(new Set([...earlier, ...later]).size).toBe(2000);
    expect(earlier.every((id) => later.every((other) => id < other))).toBe(true);
  });
});
