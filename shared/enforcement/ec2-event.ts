/**
 * EC2 events (EventBridge, `source: aws.ec2`) keep instance records true between sweeps: a state
 * change updates the record (and closes it when the instance is going away), a spot interruption
 * warning or rebalance recommendation marks it so its next heartbeat answer is `drain` (and
 * launches its replacement when the annex asked for one). An annex left with no instance ends;
 * one that goes on has its spend re-computed (its burn changed).
 * Instances the service never recorded are ignored; a repeated or late event changes nothing.
 */

import { z } from "zod";
import type { AnnexInstance, InterruptionKind } from "../domain/annex.ts";
import { hasBudget } from "../domain/budget.ts";
import { EC2_STATES, isGone } from "../domain/ec2.ts";
import { pendingReplacement, withInterruption } from "../domain/interruption.ts";
import { terminationReason } from "../domain/lease.ts";
import { epochFromIso } from "../domain/tags.ts";
import { reviseCost } from "../use-cases/annexes/cost.ts";
import { replaceInterrupted } from "../use-cases/annexes/replace-interrupted.ts";
import { auditInterruption } from "../use-cases/instances/interruption-audit.ts";
import { EndingAnnexes } from "./ending-annexes.ts";
import type { EnforcePorts } from "./ports.ts";
import { audit, closeInstance, endIfNoneLeft, updateInstance } from "./reconcile.ts";

const instanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/);
const time = z.string().optional();

const stateChange = z.object({
  source: z.literal("aws.ec2"),
  "detail-type": z.literal("EC2 Instance State-change Notification"),
  time,
  detail: z.object({
    "instance-id": instanceId,
    state: z.enum(EC2_STATES),
  }),
});

const interruptionWarning = z.object({
  source: z.literal("aws.ec2"),
  "detail-type": z.literal("EC2 Spot Instance Interruption Warning"),
  time,
  detail: z.object({ "instance-id": instanceId, "instance-action": z.string() }),
});

const rebalanceRecommendation = z.object({
  source: z.literal("aws.ec2"),
  "detail-type": z.literal("EC2 Instance Rebalance Recommendation"),
  time,
  detail: z.object({ "instance-id": instanceId }),
});

/** The EC2 events the service subscribes to (serverless.yml, handle-ec2-event). */
export const ec2EventSchema = z.discriminatedUnion("detail-type", [
  stateChange,
  interruptionWarning,
  rebalanceRecommendation,
]);
export type Ec2Event = z.infer<typeof ec2EventSchema>;

/** What handling one event did. */
export interface Ec2EventOutcome {
  instanceId: string;
  annexId?: string;
  /** `ignored`: not an instance we recorded; `unchanged`: the record already said so. */
  outcome: "ignored" | "unchanged" | "updated";
  /** Set when the annex ended because its last instance went away. */
  annexEnded?: string;
}

/** When the event happened (epoch seconds), if it says. */
export function eventTime(event: Pick<Ec2Event, "time">): number | undefined {
  return epochFromIso(event.time);
}

/** Applies one EC2 event at `now` (the event's time). */
export async function handleEc2Event(
  ports: EnforcePorts,
  event: Ec2Event,
  now: number,
  ending = new EndingAnnexes(),
): Promise<Ec2EventOutcome> {
  const id = event.detail["instance-id"];
  const annexId = await ports.instances.annexIdOf(id);
  const record = annexId === undefined ? undefined : await ports.instances.getInstance(annexId, id);
  if (annexId === undefined || record === undefined) return { instanceId: id, outcome: "ignored" };

  const kind = INTERRUPTIONS[event["detail-type"]];
  const stateChange = event["detail-type"] === "EC2 Instance State-change Notification";
  // Closed already (by the sweep, `off` or an earlier event): EC2's state is all that is left to
  // record, with no more reads — the common case when the service terminated the instance.
  const saved =
    stateChange && record.endedAt !== undefined
      ? await updateInstance(ports, record, (current) => withState(current, event.detail.state))
      : stateChange
        ? await applyState(ports, record, event.detail.state, now, ending)
        : await markInterruption(ports, record, kind ?? "spot-interruption", now);
  const outcome: Ec2EventOutcome = {
    instanceId: id,
    annexId,
    outcome: saved ? "updated" : "unchanged",
  };
  // Closed already: EC2's state was all there was to record (its closer ended the annex, or
  // revised its cost).
  if (record.endedAt !== undefined) return outcome;
  const interrupted = saved?.interruptionNoticeAt !== undefined && saved.endedAt === undefined;
  if (saved?.endedAt === undefined) {
    if (interrupted) await reviseCost(ports, annexId, now, hasBudget);
    return outcome;
  }
  // The event that closed the record ends an annex left with no instance.
  const reason = await endIfNoneLeft(ports, annexId, now);
  if (reason === undefined) await reviseCost(ports, annexId, now, hasBudget);
  return reason === undefined ? outcome : { ...outcome, annexEnded: reason };
}

/**
 * The record with EC2's new state; undefined when it says so already, or when a late event would
 * undo a later state (`pending` or `running` after going away, `shutting-down` after `terminated`:
 * EventBridge does not keep order).
 */
function withState(current: AnnexInstance, state: string): AnnexInstance | undefined {
  const late = (isGone(current.ec2State) && !isGone(state)) || current.ec2State === "terminated";
  return current.ec2State === state || late ? undefined : { ...current, ec2State: state };
}

/**
 * Records EC2's state. An instance going away that the service was not terminating (user, spot
 * reclaim) is closed and audited here; one that is due for termination is left to the enforcer,
 * which closes and audits it within a tick. A late `pending`/`running` never undoes a going-away
 * state, and the records of an annex that is stopping belong to `endAnnex`. An annex known to be
 * stopping or ended is not read again.
 */
async function applyState(
  ports: EnforcePorts,
  record: AnnexInstance,
  state: string,
  now: number,
  ending: EndingAnnexes,
): Promise<AnnexInstance | undefined> {
  const known = ending.stateOf(record.annexId);
  const annex = known === undefined ? await ports.annexes.getAnnex(record.annexId) : undefined;
  ending.note(annex);
  // Not live (known): terminating it is the enforcer's, whatever EC2 says.
  if (known === undefined && isGone(state) && terminationReason(annex, record, now) === undefined) {
    const closed = await closeInstance(ports, record, state, now);
    if (closed !== undefined) {
      const message = `instance ${record.instanceId} is ${state} in EC2 (not terminated by cloud-annex)`;
      await audit(ports, record.annexId, now, "instance-gone", message, [record.instanceId]);
      return closed;
    }
  }
  if ((known ?? annex?.state) === "stopping") return undefined;
  return updateInstance(ports, record, (current) => withState(current, state));
}

const INTERRUPTIONS: Partial<Record<Ec2Event["detail-type"], InterruptionKind>> = {
  "EC2 Spot Instance Interruption Warning": "spot-interruption",
  "EC2 Instance Rebalance Recommendation": "rebalance-recommendation",
};

/**
 * Records a spot warning once (a later, more serious one upgrades it); the next heartbeat answer
 * is then `drain`. A replacement the annex asked for is launched at once (the enforcer retries it).
 */
async function markInterruption(
  ports: EnforcePorts,
  record: AnnexInstance,
  kind: InterruptionKind,
  now: number,
): Promise<AnnexInstance | undefined> {
  const annex = await ports.annexes.getAnnex(record.annexId);
  const saved = await updateInstance(ports, record, (current) =>
    withInterruption(current, kind, annex, now),
  );
  if (saved === undefined) return undefined;
  await auditInterruption(ports, saved, kind, "EventBridge", now);
  if (pendingReplacement(saved) !== undefined)
    await replaceInterrupted(ports, saved, now).catch((error: unknown) =>
      // Still due in the deadline index: the enforcer's next tick launches it.
      ports.log.warn("replacement left for the enforcer", {
        instanceId: saved.instanceId,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  return saved;
}
