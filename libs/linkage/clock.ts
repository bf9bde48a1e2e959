/** Domain time, injected everywhere a decision or an "overdue" needs the current moment. */
export interface Clock {
  now(): string;
}

export const systemClock: Clock = { now: () => new Date().toISOString() };

/** A clock that stands still until told otherwise: scenarios replay history at its own dates. */
export class SettableClock implements Clock {
  constructor(private current: string = new Date().toISOString()) {}
  now(): string {
    return this.current;
  }
  set(instant: string): void {
    this.current = instant;
  }
}
