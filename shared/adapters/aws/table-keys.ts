/**
 * The single-table layout. One partition per annex holds the annex (`A`), its instances
 * (`I#id`) and its audit trail (`E#time#id`); an owner's partition holds the claims on names
 * and client tokens; `INSTANCE#id` maps an instance back to its annex; `ENFORCER`/`MARKS`
 * remembers how far the enforcer's periodic sweeps have got; `PRICES#region` caches prices
 * (`OD#type`, `SPOT#type`) and `SPOT-WATCH` lists the annexes running spot instances of a type.
 * Two sparse indexes hold only what the enforcer may have to act on: live annexes by their next
 * deadline (effective end or budget mark), instances by deadline.
 * `CAPACITY-ERRORS` holds one item per pool that lately had no capacity (fleet annexes skip it).
 */

import type { Annex } from "../../domain/annex.ts";
import { annexDueAt } from "../../domain/budget.ts";

export const INDEX = {
  liveByDeadline: "live-by-deadline",
  instancesByDeadline: "instances-by-deadline",
  byOwner: "by-owner",
} as const;

/** The hash key value of the sparse indexes (one shard; enough for tens of thousands of annexes). */
export const LIVE_SHARD = "LIVE";
export const DUE_SHARD = "DUE";

export const ENFORCER_MARKS_KEY = { pk: "ENFORCER", sk: "MARKS" } as const;
/** The enforcer's lock: one sweep at a time, until its holder finishes or the lock expires. */
export const ENFORCER_LOCK_KEY = { pk: "ENFORCER", sk: "LOCK" } as const;
/** The partition of the pools that lately had no capacity, and one pool's item in it. */
export const CAPACITY_ERRORS_PARTITION = "CAPACITY-ERRORS";
export const capacityErrorKey = (market: string, instanceType: string, zone: string) => ({
  pk: CAPACITY_ERRORS_PARTITION,
  sk: `${market}#${instanceType}#${zone}`,
});
/** The partition of one annex: the annex, its instances, its audit trail. */
export const annexPartition = (annexId: string) => `ANNEX#${annexId}`;
export const annexKey = (annexId: string) => ({ pk: annexPartition(annexId), sk: "A" });
export const instanceKey = (annexId: string, instanceId: string) => ({
  pk: annexPartition(annexId),
  sk: `I#${instanceId}`,
});
export const instanceLookupKey = (instanceId: string) => ({
  pk: `INSTANCE#${instanceId}`,
  sk: "L",
});
export const eventKey = (annexId: string, at: number, unique: string) => ({
  pk: annexPartition(annexId),
  sk: `E#${String(at).padStart(12, "0")}#${unique}`,
});
export const nameClaimKey = (owner: string, name: string) => ({
  pk: `OWNER#${owner}`,
  sk: `NAME#${name}`,
});
export const onDemandPriceKey = (region: string, type: string) => ({
  pk: `PRICES#${region}`,
  sk: `OD#${type}`,
});
export const spotPriceKey = (region: string, type: string) => ({
  pk: `PRICES#${region}`,
  sk: `SPOT#${type}`,
});
export const SPOT_WATCH_PARTITION = "SPOT-WATCH";
export const spotWatchKey = (type: string, annexId: string) => ({
  pk: SPOT_WATCH_PARTITION,
  sk: `${type}#${annexId}`,
});
export const tokenClaimKey = (owner: string, clientToken: string) => ({
  pk: `OWNER#${owner}`,
  sk: `TOKEN#${clientToken}`,
});

/** Strips the table's own attributes from an item, leaving the model's. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const {
    pk: _pk,
    sk: _sk,
    liveShard: _l,
    dueShard: _d,
    dueAt: _a,
    deadlineAt: _da,
    createdKey: _c,
    purgeAt: _p,
    ...rest
  } = item;
  return rest as T;
}

/** How long an ended annex stays readable before DynamoDB TTL may purge it (90 days). */
const RETENTION_SECONDS = 90 * 24 * 3600;

/** The annex's item: live ones in the `live-by-deadline` index at their next deadline. */
export function annexItem(annex: Annex): Record<string, unknown> {
  const live = annex.state !== "ended";
  return {
    ...annexKey(annex.id),
    ...annex,
    createdKey: annex.id,
    liveShard: live ? LIVE_SHARD : undefined,
    deadlineAt: live ? annexDueAt(annex) : undefined,
    purgeAt: live ? undefined : annex.updatedAt + RETENTION_SECONDS,
  };
}
