/** Pool settings stored by setup (`pool/settings.json`) and the limits they carry. */

import type { PriceTable } from "./prices.ts";

/** Bounds on what one create request (or lease reset) may ask for. */
export interface Limits {
  maxCount: number;
  maxDurationHours: number;
  /** The budget (USD) of an annex whose request names none; none when absent. */
  defaultBudgetUsd?: number;
  /** The largest budget (USD) a request may name; no cap when absent. */
  maxBudgetUsd?: number;
  /** Shortest lease. */
  minDurationHours: number;
  /** Shortest idle timeout. */
  minIdleHours: number;
}

/** The instance type used when neither a request nor setup names one (condor_annex's was m4.large). */
export const FALLBACK_INSTANCE_TYPE = "m5.large";

/**
 * Limits used until setup stores others. The shortest lease, 0.1 h (6 minutes), is the smallest
 * lease condor_annex could keep (its lease check ran every 5 minutes) and about the least in which
 * an instance boots, joins the pool and runs a job; the shortest idle timeout, 0.05 h (3 minutes),
 * is three negotiation cycles, so a fresh instance is matched before it counts as idle. Setup may
 * lower both (to 0.001 h) for demos and tests.
 */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxCount: 50,
  maxDurationHours: 24,
  minDurationHours: 0.1,
  minIdleHours: 0.05,
};

/** Limits as stored by any setup, older ones included: what a setup did not state is the default. */
export const effectiveLimits = (stored: Partial<Limits> | undefined): Limits => ({
  ...DEFAULT_LIMITS,
  ...stored,
});

/** How instances authenticate to the pool: which secret setup stored. */
export type PoolAuth = "password" | "token";

/** The pool secret handed to instances inside the config bundle; never returned or logged. */
export type PoolSecret = { poolPassword: string } | { poolToken: string };

/** What setup stores in `pool/settings.json` (no secrets). */
export interface PoolSettings {
  collectorHost: string;
  auth: PoolAuth;
  defaults: { instanceType?: string; imageId?: string };
  limits: Limits;
  securityGroupIds?: string[];
  keyName?: string;
  instanceProfileArn?: string;
  /** Negotiated on-demand prices, USD per hour by type: they win over the Price List. */
  prices?: PriceTable;
}

/** Which authentication a pool secret implies. */
export function authOf(secret: PoolSecret): PoolAuth {
  return "poolPassword" in secret ? "password" : "token";
}
