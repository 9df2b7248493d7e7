/** Pool settings stored by setup (`pool/settings.json`) and the limits they carry. */

import type { PriceTable } from "./prices.ts";

/** Upper bounds on what one create request may ask for. */
export interface Limits {
  maxCount: number;
  maxDurationHours: number;
  /** The budget (USD) of an annex whose request names none; none when absent. */
  defaultBudgetUsd?: number;
  /** The largest budget (USD) a request may name; no cap when absent. */
  maxBudgetUsd?: number;
}

/** The instance type used when neither a request nor setup names one (condor_annex's was m4.large). */
export const FALLBACK_INSTANCE_TYPE = "m5.large";

/** Limits used until setup stores others. */
export const DEFAULT_LIMITS: Readonly<Limits> = { maxCount: 50, maxDurationHours: 24 };

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
