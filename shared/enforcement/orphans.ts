/**
 * The orphan sweep: instances tagged `annex:id` whose annex is not live, or whose lease is over —
 * whatever DynamoDB recorded (a crash between RunInstances and the write leaves no record).
 * Every tick it asks EC2 only for instances whose `annex:lease-expires` tag fell since the last
 * sweep (wildcard minute prefixes); at most hourly it checks every tagged instance, the backstop
 * for "annex not live". When each last ran is kept in one small DynamoDB item.
 *
 * Only this stage's instances are judged (`annex:stage`, domain/tags.ts): the window sweep asks EC2
 * for them alone; the full sweep also sees instances launched before launches carried their stage,
 * and judges one only when its annex is in this stage's table — never another stage's.
 */

import type { Annex } from "../domain/annex.ts";
import { ALIVE_STATES, FILTER_VALUES } from "../domain/ec2.ts";
import { isLeaseOver } from "../domain/lease.ts";
import { chunks, mapLimited } from "../domain/lists.ts";
import { isLive } from "../domain/state-machine.ts";
import {
  ANNEX_TAG_FILTERS,
  ANNEX_TAG_KEYS,
  epochFromIso,
  isoFromEpoch,
  leaseExpiresTag,
  stageOf,
} from "../domain/tags.ts";
import type { Ec2Instance } from "../ports/ec2.ts";
import type { PageKey } from "../ports/repositories.ts";
import { terminateIsolating } from "./batching.ts";
import { type EnforcePorts, SWEEP_CONCURRENCY, type Tick } from "./ports.ts";
import { annexesById, audit, closeInstance, TERMINATION_EVENTS } from "./reconcile.ts";
import { recordFailure, type SweepReport } from "./report.ts";

/** How often every tagged instance is checked. */
export const FULL_SWEEP_EVERY_SECONDS = 3600;
/** A longer gap since the last window sweep (the enforcer was down) is covered by a full sweep. */
export const MAX_WINDOW_SECONDS = 6 * 3600;
const LIVE_PAGE = 1000;

/**
 * EC2 wildcard values for `annex:lease-expires` (ISO to the second, `2026-11-25T21:34:00Z`) that
 * match every time in the minutes from `from` to `to`, both included: a whole hour as
 * `2026-11-25T21:*`, ten whole minutes as `2026-11-25T21:3*`, else one minute as `…T21:34:*`.
 */
export function leaseTagPatterns(from: number, to: number): string[] {
  const patterns: string[] = [];
  const last = Math.floor(to / 60);
  let minute = Math.floor(from / 60);
  while (minute <= last) {
    const iso = isoFromEpoch(minute * 60); // 2026-11-25T21:34:00Z
    if (minute % 60 === 0 && minute + 59 <= last) {
      patterns.push(`${iso.slice(0, 14)}*`);
      minute += 60;
    } else if (minute % 10 === 0 && minute + 9 <= last) {
      patterns.push(`${iso.slice(0, 15)}*`);
      minute += 10;
    } else {
      patterns.push(`${iso.slice(0, 17)}*`);
      minute += 1;
    }
  }
  return patterns;
}

/** When the instance's lease tag says its lease ends (epoch seconds), if it has a readable one. */
export function taggedLease(instance: Pick<Ec2Instance, "tags">): number | undefined {
  return epochFromIso(instance.tags[ANNEX_TAG_KEYS.leaseExpires]);
}

/**
 * Runs the window sweep, or the full sweep when it is due; false when work is left. Instances of
 * annexes handed to the workers this tick are theirs to end.
 */
export async function sweepOrphans(ports: EnforcePorts, tick: Tick): Promise<boolean> {
  const { now, timeLeft, report } = tick;
  if (timeLeft() <= 0) return false;
  const marks = await ports.annexes.sweepMarks();
  const full =
    marks.fullSweepAt === undefined ||
    marks.tagSweepAt === undefined ||
    now - marks.fullSweepAt >= FULL_SWEEP_EVERY_SECONDS ||
    now - marks.tagSweepAt > MAX_WINDOW_SECONDS;
  if (full) {
    report.fullSweep = true;
    if (!(await fullSweep(ports, tick))) return false;
    await ports.annexes.advanceSweepMark("fullSweepAt", now);
  } else {
    await windowSweep(ports, marks.tagSweepAt ?? now, tick);
  }
  await ports.annexes.advanceSweepMark("tagSweepAt", now);
  return true;
}

/** Instances whose tagged lease fell between the last window sweep and now. */
async function windowSweep(ports: EnforcePorts, from: number, tick: Tick) {
  const { now, report } = tick;
  const found: Ec2Instance[] = [];
  const ours = { Name: ANNEX_TAG_FILTERS.stage, Values: [ports.stage] };
  for (const values of chunks(leaseTagPatterns(from, now), FILTER_VALUES)) {
    const filter = { Name: ANNEX_TAG_FILTERS.leaseExpires, Values: values };
    found.push(...(await ports.ec2.findTagged(ALIVE_STATES, [ours, filter])));
  }
  const over = notHandedOff(found, tick).filter(
    (instance) => (taggedLease(instance) ?? now) <= now,
  );
  const annexes = await annexesById(ports, over.map(annexIdOf));
  await reap(ports, over, annexes, now, report);
}

/**
 * Every tagged instance but another stage's, against the live annexes (index); any it would act on
 * is re-read consistently.
 */
async function fullSweep(ports: EnforcePorts, tick: Tick) {
  const { now, timeLeft, report } = tick;
  const tagged = notHandedOff(await ports.ec2.findTagged(ALIVE_STATES), tick).filter(
    (instance) => stageOf(instance.tags, ports.stage) !== "other",
  );
  const annexes = new Map<string, Annex | undefined>();
  let startKey: PageKey | undefined;
  do {
    if (timeLeft() <= 0) return false;
    const page = await ports.annexes.liveAnnexes(LIVE_PAGE, startKey);
    report.itemsRead += page.itemsRead;
    for (const annex of page.items) annexes.set(annex.id, annex);
    startKey = page.next;
  } while (startKey);
  // Act only on consistent reads: an index copy may lag a lease reset, a new annex, an end.
  const suspects = tagged.filter((instance) => {
    const annex = annexes.get(annexIdOf(instance));
    return annex === undefined || verdict(annex, instance, now, ports.stage) !== "keep";
  });
  for (const [id, annex] of await annexesById(ports, suspects.map(annexIdOf))) {
    annexes.set(id, annex);
  }
  await reap(ports, tagged, annexes, now, report);
  return true;
}

const annexIdOf = (instance: Ec2Instance) => instance.tags[ANNEX_TAG_KEYS.id] ?? "";

const notHandedOff = (instances: Ec2Instance[], tick: Tick) =>
  instances.filter((instance) => !tick.handedOff.has(annexIdOf(instance)));

/**
 * What to do with a tagged instance of this stage, given its annex (undefined: no such annex). One
 * launched before launches carried their stage is ours only when its annex is in our table.
 */
function verdict(
  annex: Annex | undefined,
  instance: Ec2Instance,
  now: number,
  stage: string,
): "orphan" | "expired" | "stale-tag" | "keep" {
  if (annex === undefined && stageOf(instance.tags, stage) !== "ours") return "keep";
  if (annex === undefined || !isLive(annex.state)) return "orphan";
  if (isLeaseOver(annex.leaseExpiresAt, now)) return "expired";
  return (taggedLease(instance) ?? now) <= now ? "stale-tag" : "keep";
}

/**
 * Terminates, in one batch, the instances whose annex is missing, not live, or past its lease;
 * closes their records and audits them. A tag that says the lease is over while the annex says
 * otherwise lagged a lease reset: it is rewritten, not obeyed.
 */
async function reap(
  ports: EnforcePorts,
  instances: Ec2Instance[],
  annexes: Map<string, Annex | undefined>,
  now: number,
  report: SweepReport,
): Promise<void> {
  let doomed: Array<{ instance: Ec2Instance; reason: "orphan" | "expired" }> = [];
  const stale: Ec2Instance[] = [];
  for (const instance of instances) {
    const found = verdict(annexes.get(annexIdOf(instance)), instance, now, ports.stage);
    if (found === "stale-tag") stale.push(instance);
    else if (found !== "keep") doomed.push({ instance, reason: found });
  }
  await repairTags(ports, stale, annexes, report);
  const refused = new Set(
    await terminateIsolating(
      (ids) => ports.ec2.terminate(ids),
      doomed.map(({ instance }) => instance.id),
    ),
  );
  if (refused.size > 0) {
    const error = new Error(`EC2 refused to terminate ${[...refused].join(", ")}`);
    recordFailure(ports, report, "reaping orphans", error, { instanceIds: [...refused] });
    doomed = doomed.filter(({ instance }) => !refused.has(instance.id));
  }
  const byAnnex = new Map<string, typeof doomed>();
  for (const entry of doomed) {
    report.instancesTerminated[entry.reason] += 1;
    const key = `${annexIdOf(entry.instance)} ${entry.reason}`;
    byAnnex.set(key, [...(byAnnex.get(key) ?? []), entry]);
  }
  await mapLimited([...byAnnex.values()], SWEEP_CONCURRENCY, async (entries) => {
    const first = entries[0] as (typeof doomed)[number];
    const annexId = annexIdOf(first.instance);
    const ids = entries.map(({ instance }) => instance.id);
    try {
      await closeRecords(ports, annexId, ids, now);
      const event = TERMINATION_EVENTS[first.reason];
      const message = `terminated ${ids.length} instance(s) found by tag: ${event.why}`;
      if (annexes.get(annexId) !== undefined)
        await audit(ports, annexId, now, event.type, message, ids);
      else
        ports.log.warn("enforcer: reaped instances of an unknown annex", {
          annexId,
          instanceIds: ids,
        });
    } catch (error) {
      recordFailure(ports, report, "recording reaped instances", error, { annexId });
    }
  });
}

/** Closes the records of reaped instances, where there are any. */
async function closeRecords(ports: EnforcePorts, annexId: string, ids: string[], now: number) {
  for (const id of ids) {
    const record = await ports.instances.getInstance(annexId, id);
    if (record !== undefined) await closeInstance(ports, record, "shutting-down", now);
  }
}

/** Rewrites lagging lease tags from the annexes' current leases. */
async function repairTags(
  ports: EnforcePorts,
  stale: Ec2Instance[],
  annexes: Map<string, Annex | undefined>,
  report: SweepReport,
): Promise<void> {
  const byLease = new Map<number, string[]>();
  for (const instance of stale) {
    const lease = annexes.get(annexIdOf(instance))?.leaseExpiresAt;
    if (lease !== undefined) byLease.set(lease, [...(byLease.get(lease) ?? []), instance.id]);
  }
  for (const [lease, ids] of byLease) {
    try {
      await ports.ec2.tag(ids, [leaseExpiresTag(lease)]);
      report.tagsRepaired += ids.length;
    } catch (error) {
      recordFailure(ports, report, "repairing lease tags", error, { instanceIds: ids });
    }
  }
}
