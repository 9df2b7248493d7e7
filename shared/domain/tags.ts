/** What an annex looks like outside: its EC2 tags, and its API representation. */

import type {
  Annex,
  AnnexEvent,
  AnnexInstance,
  AnnexKind,
  AnnexState,
  EndReason,
} from "./annex.ts";
import { type CostView, effectiveEnd, instanceRate, presentCost } from "./budget.ts";
import { isStoppedOrGone } from "./ec2.ts";
import type { Estimate } from "./estimate.ts";
import { type FleetView, presentFleet } from "./fleet-view.ts";
import { leaseRemaining } from "./lease.ts";

/** The tag keys the service owns; users may not set `annex:` or `aws:` tags. */
export const ANNEX_TAG_KEYS = {
  id: "annex:id",
  name: "annex:name",
  owner: "annex:owner",
  leaseExpires: "annex:lease-expires",
  /**
   * The deployment's stage, on everything launched: two stages in one account and region never
   * touch each other's instances (the IAM conditions of serverless.yml require it too).
   */
  stage: "annex:stage",
  /** On the instances' security group, its own name: the stack's IAM lets setup edit only that group. */
  securityGroup: "annex:security-group",
} as const;

/** The DescribeInstances filter names that match one of those tags' value exactly (or by wildcard). */
export const ANNEX_TAG_FILTERS = {
  id: `tag:${ANNEX_TAG_KEYS.id}`,
  owner: `tag:${ANNEX_TAG_KEYS.owner}`,
  leaseExpires: `tag:${ANNEX_TAG_KEYS.leaseExpires}`,
  stage: `tag:${ANNEX_TAG_KEYS.stage}`,
} as const;

/** An EC2 tag (the SDK's `Tag` shape). */
export interface Ec2Tag {
  Key: string;
  Value: string;
}

/** ISO-8601 UTC, to the second, of an epoch-seconds time. */
export function isoFromEpoch(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(".000Z", "Z");
}

/** The epoch seconds of an ISO-8601 time, or undefined when there is none or it does not parse. */
export function epochFromIso(text: string | undefined): number | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** The lease tag, as written at launch and rewritten when the lease is reset. */
export function leaseExpiresTag(leaseExpiresAt: number): Ec2Tag {
  return { Key: ANNEX_TAG_KEYS.leaseExpires, Value: isoFromEpoch(leaseExpiresAt) };
}

/**
 * Whose a tagged instance is, by its `annex:stage` tag: this stage's, another stage's, or one
 * launched before launches carried their stage (`unstaged`). An unstaged instance is this stage's
 * only when its `annex:id` names an annex of this stage's table; it is never judged otherwise.
 */
export function stageOf(
  tags: Readonly<Record<string, string>>,
  stage: string,
): "ours" | "other" | "unstaged" {
  const tagged = tags[ANNEX_TAG_KEYS.stage];
  return tagged === undefined ? "unstaged" : tagged === stage ? "ours" : "other";
}

/**
 * Every tag an annex's instances (or fleet, template, spot fleet request) get at launch: the
 * service's (the stage's among them), then the user's by key.
 */
export function launchTags(
  annex: Pick<Annex, "id" | "name" | "owner" | "leaseExpiresAt" | "tags">,
  stage: string,
): Ec2Tag[] {
  const user = Object.entries(annex.tags)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([Key, Value]) => ({ Key, Value }));
  return [
    { Key: ANNEX_TAG_KEYS.id, Value: annex.id },
    { Key: ANNEX_TAG_KEYS.name, Value: annex.name },
    { Key: ANNEX_TAG_KEYS.owner, Value: annex.owner },
    { Key: ANNEX_TAG_KEYS.stage, Value: stage },
    leaseExpiresTag(annex.leaseExpiresAt),
    ...user,
  ];
}

/** An instance as the API shows it. */
export interface InstanceView {
  id: string;
  type: string;
  state: string;
  launchedAt: string;
  joined: boolean;
  idleSince?: string;
  /** What it costs per hour now (its type's price, on its market and in its zone). */
  usdPerHour?: number;
  availabilityZone?: string;
  market?: "spot" | "on-demand";
  /** When EC2 warned of an interruption or recommended rebalancing, and which. */
  interruptedAt?: string;
  interruption?: "spot-interruption" | "rebalance-recommendation";
  /** The interrupted instance this one replaced. */
  replacementFor?: string;
}

/** An audit-trail entry as the API shows it. */
export interface EventView {
  at: string;
  type: string;
  message: string;
  instanceIds?: string[];
}

/** An annex as the API shows it (README, API). */
export interface AnnexView {
  id: string;
  name: string;
  owner: string;
  kind: AnnexKind;
  state: AnnexState;
  endReason?: EndReason;
  failureReason?: string;
  requestedCount: number;
  instanceType: string;
  imageId: string;
  createdAt: string;
  leaseExpiresAt: string;
  leaseRemainingSeconds: number;
  /** When it ends at the latest: the lease end, or the budget deadline if sooner. */
  endsAt: string;
  idleTimeoutSeconds: number;
  budgetUsd?: number;
  /** What create estimated it can cost at most. */
  estimate?: Estimate;
  /** Spend so far, burn, projection at the end (the final cost once ended). */
  cost?: CostView;
  instances: InstanceView[];
  /** Kind `fleet`: target and fulfilled capacity, capacity by pool, what the launch got. */
  fleet?: FleetView;
  events?: EventView[];
}

/** When an instance became idle: its last busy report, else its bootstrap; undefined while busy. */
export function idleSince(instance: AnnexInstance): number | undefined {
  const joined = instance.bootstrappedAt !== undefined || instance.lastHeartbeatAt !== undefined;
  if (!joined || instance.activity === "busy" || instance.endedAt !== undefined) return undefined;
  if (isStoppedOrGone(instance.ec2State)) return undefined;
  return instance.lastBusyAt ?? instance.bootstrappedAt ?? instance.lastHeartbeatAt;
}

function presentInstance(annex: Annex, instance: AnnexInstance): InstanceView {
  const since = idleSince(instance);
  const rate = isStoppedOrGone(instance.ec2State) ? undefined : instanceRate(annex, instance);
  return {
    id: instance.instanceId,
    type: instance.instanceType,
    state: instance.ec2State,
    launchedAt: isoFromEpoch(instance.launchedAt),
    joined: instance.bootstrappedAt !== undefined || instance.lastHeartbeatAt !== undefined,
    ...(since === undefined ? {} : { idleSince: isoFromEpoch(since) }),
    ...(rate === undefined ? {} : { usdPerHour: rate }),
    ...(instance.availabilityZone ? { availabilityZone: instance.availabilityZone } : {}),
    ...(instance.market ? { market: instance.market } : {}),
    ...(instance.interruptionNoticeAt === undefined
      ? {}
      : {
          interruptedAt: isoFromEpoch(instance.interruptionNoticeAt),
          interruption: instance.interruptionKind ?? "spot-interruption",
        }),
    ...(instance.replacementFor ? { replacementFor: instance.replacementFor } : {}),
  };
}

function presentEvent(event: AnnexEvent): EventView {
  return {
    at: isoFromEpoch(event.at),
    type: event.type,
    message: event.message,
    ...(event.instanceIds ? { instanceIds: [...event.instanceIds] } : {}),
  };
}

function costField(
  annex: Annex,
  instances: readonly AnnexInstance[],
  now: number,
): { cost?: CostView } {
  const cost = presentCost(annex, instances, now, isoFromEpoch);
  return cost ? { cost } : {};
}

/** The API view of an annex; instances by launch time, events oldest first (newest last). */
export function presentAnnex(
  annex: Annex,
  instances: readonly AnnexInstance[],
  events: readonly AnnexEvent[] | undefined,
  now: number,
): AnnexView {
  const byLaunch = [...instances].sort(
    (a, b) => a.launchedAt - b.launchedAt || (a.instanceId < b.instanceId ? -1 : 1),
  );
  return {
    id: annex.id,
    name: annex.name,
    owner: annex.owner,
    kind: annex.kind,
    state: annex.state,
    ...(annex.endReason ? { endReason: annex.endReason } : {}),
    ...(annex.failureReason ? { failureReason: annex.failureReason } : {}),
    requestedCount: annex.requestedCount,
    instanceType: annex.instanceType,
    imageId: annex.imageId,
    createdAt: isoFromEpoch(annex.createdAt),
    leaseExpiresAt: isoFromEpoch(annex.leaseExpiresAt),
    leaseRemainingSeconds: annex.state === "ended" ? 0 : leaseRemaining(annex.leaseExpiresAt, now),
    endsAt: isoFromEpoch(effectiveEnd(annex)),
    idleTimeoutSeconds: annex.idleTimeoutSeconds,
    ...(annex.budgetUsd === undefined ? {} : { budgetUsd: annex.budgetUsd }),
    ...(annex.estimate ? { estimate: annex.estimate } : {}),
    ...costField(annex, instances, now),
    instances: byLaunch.map((instance) => presentInstance(annex, instance)),
    ...fleetPart(annex, instances),
    ...(events ? { events: [...events].sort((a, b) => a.at - b.at).map(presentEvent) } : {}),
  };
}

function fleetPart(annex: Annex, instances: readonly AnnexInstance[]): { fleet?: FleetView } {
  const fleet = presentFleet(annex, instances);
  return fleet === undefined ? {} : { fleet };
}
