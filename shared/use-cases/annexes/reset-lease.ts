/**
 * Lease reset (PATCH /annexes/{name}): new expiry = now + duration, only while the annex is live; audited.
 * A spot fleet's ValidUntil cannot be moved, so a spot-fleet annex's lease may be shortened but never
 * reset past the lease its fleet was created with (409): EC2 would end the instances early.
 */

import type { Annex } from "../../domain/annex.ts";
import { ConflictError, NotLiveError } from "../../domain/errors.ts";
import { leaseExpiry } from "../../domain/lease.ts";
import { parseExtendAnnex } from "../../domain/requests/extend-annex.ts";
import { DEFAULT_LIMITS } from "../../domain/settings.ts";
import { StaleAnnexError } from "../../domain/stale.ts";
import { isLive } from "../../domain/state-machine.ts";
import { isoFromEpoch, leaseExpiresTag } from "../../domain/tags.ts";
import { findOwnAnnex } from "./annex-status.ts";
import type { AnnexPorts } from "./ports.ts";

export type ResetPorts = Pick<AnnexPorts, "annexes" | "instances" | "store" | "ec2">;

/** Resets the lease of the caller's annex `name`. The version check makes it safe against a concurrent enforcer. */
export async function resetLease(
  ports: ResetPorts,
  owner: string,
  name: string,
  body: unknown,
  now: number,
): Promise<Annex> {
  const limits = (await ports.store.getSettings())?.limits ?? DEFAULT_LIMITS;
  const { durationHours } = parseExtendAnnex(body, limits);
  let annex = await findOwnAnnex(ports, owner, name);
  const leaseExpiresAt = leaseExpiry(now, durationHours);
  for (;;) {
    if (!isLive(annex.state) || annex.state === "stopping") {
      throw new NotLiveError(
        `annex "${name}" has ${annex.state === "ended" ? `ended (${annex.endReason ?? "unknown"})` : "begun to stop"}; its lease can no longer be reset`,
      );
    }
    const fleetEnd = annex.kind === "spot-fleet" ? annex.fleetValidUntil : undefined;
    if (fleetEnd !== undefined && leaseExpiresAt > fleetEnd) {
      throw new ConflictError(
        `annex "${name}" is a spot fleet, which EC2 ends at ${isoFromEpoch(fleetEnd)} (the lease it was created with): its lease can be shortened, not reset past that; start a new annex for more time`,
      );
    }
    try {
      annex = await ports.annexes.saveAnnex({ ...annex, leaseExpiresAt }, now);
      break;
    } catch (error) {
      if (!(error instanceof StaleAnnexError)) throw error;
      annex = await findOwnAnnex(ports, owner, name);
    }
  }
  const ids = (await ports.ec2.findByAnnex(annex.id))
    .filter((instance) => instance.state === "pending" || instance.state === "running")
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
