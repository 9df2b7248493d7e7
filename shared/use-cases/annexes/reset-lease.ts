/**
 * Lease reset (PATCH /annexes/{name}): new expiry = now + duration, only while the annex is live; audited.
 * A spot fleet's ValidUntil cannot be moved, so a spot-fleet annex's lease may be shortened but never
 * reset past the lease its fleet was created with (409): EC2 would end the instances early.
 */

import type { Annex } from "../../domain/annex.ts";
import { isUp } from "../../domain/ec2.ts";
import { ConflictError, NotLiveError } from "../../domain/errors.ts";
import { leaseExpiry } from "../../domain/lease.ts";
import { parseExtendAnnex } from "../../domain/requests/extend-annex.ts";
import { effectiveLimits } from "../../domain/settings.ts";
import { isLive } from "../../domain/state-machine.ts";
import { isoFromEpoch, leaseExpiresTag } from "../../domain/tags.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import { findOwnAnnex } from "./annex-status.ts";
import type { AnnexPorts } from "./ports.ts";

type ResetPorts = Pick<AnnexPorts, "annexes" | "instances" | "store" | "ec2" | "log">;

/** Resets the lease of the caller's annex `name`. The version check makes it safe against a concurrent enforcer. */
export async function resetLease(
  ports: ResetPorts,
  owner: string,
  name: string,
  body: unknown,
  now: number,
): Promise<Annex> {
  const limits = effectiveLimits((await ports.store.getSettings())?.limits);
  const { durationHours } = parseExtendAnnex(body, limits);
  const leaseExpiresAt = leaseExpiry(now, durationHours);
  const found = await findOwnAnnex(ports, owner, name);
  const annex = await retryOnStale(found, freshAnnex(ports.annexes), async (current) => {
    if (!isLive(current.state) || current.state === "stopping") {
      throw new NotLiveError(
        `annex "${name}" has ${current.state === "ended" ? `ended (${current.endReason ?? "unknown"})` : "begun to stop"}; its lease can no longer be reset`,
      );
    }
    const fleetEnd = current.kind === "spot-fleet" ? current.fleetValidUntil : undefined;
    if (fleetEnd !== undefined && leaseExpiresAt > fleetEnd) {
      throw new ConflictError(
        `annex "${name}" is a spot fleet, which EC2 ends at ${isoFromEpoch(fleetEnd)} (the lease it was created with): its lease can be shortened, not reset past that; start a new annex for more time`,
      );
    }
    return ports.annexes.saveAnnex({ ...current, leaseExpiresAt }, now);
  });
  const ids = (await ports.ec2.findByAnnex(annex.id))
    .filter((instance) => isUp(instance.state))
    .map((instance) => instance.id);
  if (ids.length > 0) await ports.ec2.tag(ids, [leaseExpiresTag(leaseExpiresAt)]);
  await ports.instances.appendEvent({
    annexId: annex.id,
    at: now,
    type: "lease-extended",
    message: `lease reset to ${durationHours} h: expires ${isoFromEpoch(leaseExpiresAt)}`,
  });
  return annex;
}
