/** Time as a parameter: the local stack and its tests share one clock they can move. */

/** Anything that tells the current time in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand; listeners run after every move (e.g. to advance EC2 lifecycles). */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<(now: number) => void>();

  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` and notifies listeners. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError("a clock only moves forward");
    this.current += ms;
    for (const listener of this.listeners) listener(this.current);
  }

  /** Subscribes to moves; returns the unsubscribe function. */
  onAdvance(listener: (now: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
