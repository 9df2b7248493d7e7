/**
 * Time-driven work (instance transitions, spot interruptions, fleet expiry), run in time order
 * whenever the clock moves: on `ManualClock.advance`, or on a timer with the system clock, and
 * before each API call so a request never sees an overdue state.
 */

import type { Clock } from "../../clock.ts";

export interface Job {
  at: number;
  /** What to look at when the time comes, e.g. `instance:i-…` or `spot-fleet:sfr-…`. */
  key: string;
}

type Runner = (key: string, at: number) => void;

interface ManualClockLike extends Clock {
  onAdvance(listener: (now: number) => void): () => void;
}

const isManual = (clock: Clock): clock is ManualClockLike =>
  typeof (clock as Partial<ManualClockLike>).onAdvance === "function";

/** A min-heap of jobs keyed by due time, drained against a clock. */
export class Scheduler {
  private readonly heap: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly unsubscribe: (() => void) | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly run: Runner,
  ) {
    this.unsubscribe = isManual(clock) ? clock.onAdvance((now) => this.runDue(now)) : undefined;
  }

  /** Whether time only moves when a test moves it. */
  get manual(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Asks for `key` to be looked at when the clock reaches `at`. */
  schedule(at: number, key: string): void {
    this.push({ at, key });
    this.arm();
  }

  /** Runs every job due at `now` (default: the clock's time), earliest first. */
  runDue(now = this.clock.now()): void {
    if (this.running) return;
    this.running = true;
    try {
      for (let job = this.heap[0]; job && job.at <= now; job = this.heap[0]) {
        this.pop();
        this.run(job.key, job.at);
      }
    } finally {
      this.running = false;
    }
    this.arm();
  }

  /** Stops timers and clock subscriptions. */
  close(): void {
    this.closed = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private arm(): void {
    const next = this.heap[0];
    if (this.closed || this.manual || !next || next.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next.at;
    const delay = Math.min(Math.max(0, next.at - this.clock.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.runDue();
    }, delay);
    this.timer.unref();
  }

  private push(job: Job): void {
    const heap = this.heap;
    heap.push(job);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as Job;
      if (above.at <= job.at) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = job;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as Job).at < (heap[left] as Job).at ? right : left;
      if ((heap[child] as Job).at >= last.at) break;
      heap[i] = heap[child] as Job;
      i = child;
    }
    heap[i] = last;
  }
}
