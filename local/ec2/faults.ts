/**
 * Fault injection: EC2's per-action token-bucket throttling, queued errors, random 500s,
 * capacity shortages, eventual consistency delays and unknown images. All off by default.
 */

import type { Clock } from "../clock.ts";
import { CapacityLedger } from "./core/capacity.ts";
import { Ec2Error, internalError, requestLimitExceeded } from "./protocol/errors.ts";

export interface Bucket {
  /** Maximum tokens (the burst). */
  burst: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

/** EC2's published request token buckets for the calls this product makes. */
export function publishedBucket(action: string): Bucket {
  if (action === "RunInstances") return { burst: 5, refillPerSecond: 2 };
  if (action === "TerminateInstances") return { burst: 100, refillPerSecond: 5 };
  if (/^(Describe|Get|List|Search)/.test(action)) return { burst: 100, refillPerSecond: 20 };
  return { burst: 50, refillPerSecond: 5 };
}

export interface QueuedFailure {
  action: string;
  count: number;
  code: string;
  status: number;
  message: string;
}

export interface FaultSettings {
  /** `true` = EC2's published buckets; an object overrides buckets per action (`*` = all others). */
  throttling: boolean | Record<string, Bucket>;
  /** Probability in [0, 1] that a call fails with `InternalError` (500) before doing anything. */
  errorRate: number;
  /** Actions the error rate applies to; empty = all. */
  errorActions: string[];
  /**
   * Remaining launchable instances per limit (`type`, `type:zone`, `type::market`,
   * `type:zone:market`, see `core/capacity.ts`); absent = unlimited.
   */
  capacity: Record<string, number>;
  /** New instances stay invisible to Describe* and id lookups for this long (clock time). */
  visibilityDelayMs: number;
  /** Well-formed image ids that EC2 should answer `InvalidAMIID.NotFound` for. */
  unknownImages: string[];
}

const defaults = (): FaultSettings => ({
  throttling: false,
  errorRate: 0,
  errorActions: [],
  capacity: {},
  visibilityDelayMs: 0,
  unknownImages: [],
});

/** Deterministic pseudo-random numbers (mulberry32), so a seeded error rate repeats. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault settings and their running state (buckets, queued failures). */
export class Faults {
  settings: FaultSettings = defaults();
  private queued: QueuedFailure[] = [];
  private buckets = new Map<string, { tokens: number; at: number }>();
  private random: () => number = Math.random;

  constructor(private readonly clock: Clock) {}

  /** Changes some settings; the rest stay as they are. */
  update(changes: Partial<FaultSettings> & { seed?: number }): void {
    const { seed, ...rest } = changes;
    this.settings = { ...this.settings, ...rest };
    if (rest.throttling !== undefined) this.buckets.clear();
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  /** Back to no faults at all. */
  reset(): void {
    this.settings = defaults();
    this.queued = [];
    this.buckets.clear();
    this.random = Math.random;
  }

  /** Makes the next `count` calls of `action` (`*` = any) fail with the given error. */
  failNext(failure: QueuedFailure): void {
    this.queued.push({ ...failure });
  }

  /** Throws the fault that applies to this call, if any (called before the call does anything). */
  check(action: string): void {
    this.takeQueued(action);
    this.takeToken(action);
    const { errorRate, errorActions } = this.settings;
    const applies = errorActions.length === 0 || errorActions.includes(action);
    if (errorRate > 0 && applies && this.random() < errorRate) throw internalError();
  }

  /** A working copy of the capacity limits to plan a launch against (see `CapacityLedger`). */
  capacityLedger(): CapacityLedger {
    return new CapacityLedger(this.settings.capacity);
  }

  /** A snapshot for the control interface. */
  snapshot(): FaultSettings & { queued: QueuedFailure[] } {
    return structuredClone({ ...this.settings, queued: this.queued });
  }

  private takeQueued(action: string): void {
    const index = this.queued.findIndex((q) => q.action === action || q.action === "*");
    const failure = this.queued[index];
    if (!failure) return;
    failure.count -= 1;
    if (failure.count <= 0) this.queued.splice(index, 1);
    throw new Ec2Error(failure.code, failure.message, failure.status);
  }

  private takeToken(action: string): void {
    const bucket = this.bucketFor(action);
    if (!bucket) return;
    const now = this.clock.now();
    const state = this.buckets.get(action) ?? { tokens: bucket.burst, at: now };
    const refilled = (Math.max(0, now - state.at) / 1000) * bucket.refillPerSecond;
    state.tokens = Math.min(bucket.burst, state.tokens + refilled);
    state.at = now;
    this.buckets.set(action, state);
    if (state.tokens < 1) throw requestLimitExceeded();
    state.tokens -= 1;
  }

  private bucketFor(action: string): Bucket | undefined {
    const throttling = this.settings.throttling;
    if (throttling === false) return undefined;
    if (throttling === true) return publishedBucket(action);
    return throttling[action] ?? throttling["*"];
  }
}
