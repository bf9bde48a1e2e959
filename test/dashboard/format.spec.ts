import { isDay, windowQuery, windowText } from '../../apps/dashboard/src/format.js';

describe('the report window of the dashboard (apps/dashboard/src/format.ts)', () => {
  it('asks the API for [the first day, the day after the last) as midnights in Beijing time', () => {
    expect(windowQuery({ from: '2017-01-01', to: '2019-12-31' })).toEqual({ from: '2017-01-01T00:00:00+08:00', to: '2020-01-01T00:00:00+08:00' });
    // Month ends and a leap day, by the calendar alone.
    expect(windowQuery({ from: '2020-02-28', to: '2020-02-29' })).toEqual({ from: '2020-02-28T00:00:00+08:00', to: '2020-03-01T00:00:00+08:00' });
    expect(windowQuery({ to: '2021-04-30' })).toEqual({ to: '2021-05-01T00:00:00+08:00' });
  });

  it('leaves out a day that does not exist (an address edited by hand) rather than asking for it', () => {
    expect([isDay('2021-02-29'), isDay('2021-13-01'), isDay('2021-4-1'), isDay('2020-02-29')]).toEqual([false, false, false, true]);
    expect(windowQuery({ from: '2021-02-30', to: '2021-03-31' })).toEqual({ to: '2021-04-01T00:00:00+08:00' });
  });

  it('says the window in words, both days included', () => {
    expect(windowText({ from: '2017-01-01', to: '2021-04-12' })).toBe('2017年1月1日至2021年4月12日');
    expect(windowText({ from: '2017-01-01' })).toBe('2017年1月1日以来');
    expect(windowText({})).toBe('全部时间');
  });
});
