/** The annex model: what the service stores about an annex and its instances. */

import type { AnnexCost } from "./budget.ts";
import type { Estimate } from "./estimate.ts";
import type { FleetAsk, FleetOutcome, Market, Pool } from "./fleet.ts";
import type { PriceTable } from "./prices.ts";

/** How an annex gets its instances: RunInstances, a spot fleet request, or an EC2 Fleet. */
export const ANNEX_KINDS = ["on-demand", "spot-fleet", "fleet"] as const;
/** One of ANNEX_KINDS. */
export type AnnexKind = (typeof ANNEX_KINDS)[number];

/** The life cycle, in order (see state-machine.ts). */
export const ANNEX_STATES = ["requested", "provisioning", "running", "stopping", "ended"] as const;
/** One of ANNEX_STATES. */
export type AnnexState = (typeof ANNEX_STATES)[number];

/** Why an annex stopped. */
export const END_REASONS = ["expired", "off", "idle", "failed", "budget"] as const;
/** One of END_REASONS. */
export type EndReason = (typeof END_REASONS)[number];

/** An annex as stored in DynamoDB. Times are epoch seconds. */
export interface Annex {
  id: string;
  name: string;
  owner: string;
  kind: AnnexKind;
  state: AnnexState;
  endReason?: EndReason;
  /** Human-readable reason for `failed` (never carries secrets or AWS internals). */
  failureReason?: string;
  /** The error code behind `failed` (e.g. InsufficientCapacity, LaunchRejected). */
  failureCode?: string;
  requestedCount: number;
  instanceType: string;
  imageId: string;
  securityGroupIds: string[];
  keyName?: string;
  owners: string[];
  noOwner: boolean;
  tags: Record<string, string>;
  leaseExpiresAt: number;
  idleTimeoutSeconds: number;
  bootGraceSeconds: number;
  clientToken: string;
  /** Hash of the create request, to tell a replay from a conflicting reuse of the token. */
  requestHash: string;
  /** The spot fleet's request id, once RequestSpotFleet answered. */
  fleetId?: string;
  /** The spot fleet's ValidUntil (the lease it was created with): a lease reset may not go past it. */
  fleetValidUntil?: number;
  /** Kind `fleet`: what was asked (capacity, types or ranges, markets), kept so a resumed create asks the same. */
  fleet?: FleetAsk;
  /** Kind `fleet`: what the create's launch asked and got per market, and what fell back. */
  fleetOutcome?: FleetOutcome;
  /** Kind `fleet`: the annex's launch template (replacements launch from it too). */
  fleetLaunchTemplateId?: string;
  configKey: string;
  /** The most the annex may spend (USD); the enforcer ends it `budget` when its spend gets there. */
  budgetUsd?: number;
  /** What create estimated it can cost at most. */
  estimate?: Estimate;
  /** The pinned on-demand prices (setup's) of its types when it was created. */
  pinnedPrices?: PriceTable;
  /** Its spend, burn and budget deadline as last computed (the final cost once ended). */
  cost?: AnnexCost;
  createdAt: number;
  updatedAt: number;
  version: number;
}

/** One instance of an annex, as the service tracks it. Times are epoch seconds. */
export interface AnnexInstance {
  annexId: string;
  instanceId: string;
  instanceType: string;
  ec2State: string;
  launchedAt: number;
  bootstrappedAt?: number;
  lastHeartbeatAt?: number;
  lastBusyAt?: number;
  /** What the last heartbeat reported. */
  activity?: "idle" | "busy";
  /** When the instance is due to be terminated as idle: last busy report (or bootstrap) + idle timeout. */
  idleDeadline?: number;
  /** When the instance is due to be terminated if it has not bootstrapped. */
  bootDeadline?: number;
  /** Where it runs and on which market (for every kind; the budget prices each instance by them;
   * absent on records from before markets were recorded: the annex kind's). */
  availabilityZone?: string;
  market?: Market;
  /** Kind `fleet`: the capacity the instance counts for (its vCPUs, or 1 per instance). */
  capacityUnits?: number;
  /** When EC2 first warned of an interruption (the two-minute warning or a rebalance recommendation). */
  interruptionNoticeAt?: number;
  /** The most serious warning seen: the interruption itself, or the recommendation to rebalance. */
  interruptionKind?: InterruptionKind;
  /** A replacement for this interrupted instance: due, launched (with its ids) or not wanted. */
  replacement?: Replacement;
  /** The interrupted instance this one replaced. */
  replacementFor?: string;
  endedAt?: number;
  /** Optimistic-locking counter, as for annexes. */
  version: number;
}

/** What EC2 warned of: a spot interruption (two minutes) or a rebalance recommendation. */
export type InterruptionKind = "spot-interruption" | "rebalance-recommendation";

/** The replacement of an interrupted instance: due until launched (written ahead with its client token). */
export interface Replacement {
  /** When it became due (the enforcer's deadline index holds it until it is done). */
  dueAt: number;
  /** The EC2 client token of its launch, written before the launch so a retry never launches twice. */
  clientToken?: string;
  /** Pools left out (remembered capacity errors) when the token was written: a retry asks the same. */
  skippedPools?: Pool[];
  /** When it was done: launched, or given up (lease too short, annex ended, no capacity). */
  doneAt?: number;
  instanceIds?: string[];
  /** Why no replacement was launched. */
  skippedBecause?: string;
}

/** One entry of an annex's audit trail. */
export interface AnnexEvent {
  annexId: string;
  at: number;
  type: string;
  message: string;
  instanceIds?: string[];
}
