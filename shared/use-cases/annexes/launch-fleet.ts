/**
 * The launch step of a fleet annex's create: its launch template (our image, user data, profile,
 * groups and tags), then the capacity (spot, falling back to on-demand unless spot only), the
 * instance records and the audit trail. Nothing launched is a CapacityError (503) and, like a
 * refused launch, leaves no fleet or template behind.
 */

import type { Annex } from "../../domain/annex.ts";
import {
  type FleetAsk,
  isCapacityError,
  launchTemplateName,
  marketShares,
  marketsPhrase,
  typesPhrase,
  unitName,
} from "../../domain/fleet.ts";
import { CapacityError, LaunchRejectedError } from "../../domain/launch-errors.ts";
import { ec2ClientToken } from "../../domain/requests/request-hash.ts";
import { launchTags } from "../../domain/tags.ts";
import { fillCapacity } from "./fleet-capacity.ts";
import { auditFill, recordFilled } from "./fleet-records.ts";
import type { Launched } from "./launch-annex.ts";
import type { AnnexPorts, EndPorts } from "./ports.ts";

/** Launches the annex's fleet capacity and records it; throws CapacityError when nothing launched. */
export async function launchFleet(
  ports: AnnexPorts,
  annex: Annex & { fleet: FleetAsk },
  userData: string,
  now: number,
): Promise<Launched> {
  try {
    const launchTemplateId = await ensureLaunchTemplate(ports, annex, userData);
    const shares = marketShares(annex.fleet);
    const filled = await fillCapacity(
      ports,
      annex,
      {
        spot: shares.spot,
        onDemand: shares["on-demand"],
        fallback: annex.fleet.onDemandFallback,
        skipped: annex.fleet.skippedPools,
        clientToken: ec2ClientToken(annex.name, annex.id),
        launchTemplateId,
      },
      now,
    );
    if (filled.instances.length === 0) throw nothingLaunched(annex.fleet, filled.errors);
    await recordFilled(ports, annex, filled.instances, now);
    await auditFill(ports, annex, filled, annex.fleet.targetCapacity, now);
    return {
      ids: filled.instances.map((i) => i.instanceId),
      fleetIds: filled.fleetIds,
      changes: { fleetOutcome: filled.outcome, fleetLaunchTemplateId: launchTemplateId },
    };
  } catch (error) {
    if (error instanceof CapacityError || error instanceof LaunchRejectedError)
      await releaseFleetResources(ports, annex.id);
    throw error;
  }
}

/** The annex's launch template, with the annex tags (each fleet also tags its instances with the current ones). */
function ensureLaunchTemplate(ports: AnnexPorts, annex: Annex, userData: string) {
  return ports.launchTemplates.ensure({
    name: launchTemplateName(annex.id),
    imageId: annex.imageId,
    userData,
    securityGroupIds: annex.securityGroupIds,
    keyName: annex.keyName,
    instanceProfileName: ports.instanceProfileName,
    tags: launchTags(annex, ports.stage),
  });
}

/** No capacity anywhere (503), or EC2 refused every pool for another reason (422). */
function nothingLaunched(
  ask: FleetAsk,
  errors: ReadonlyArray<{ code: string; message: string }>,
): CapacityError | LaunchRejectedError {
  const [refusal] = errors;
  if (refusal !== undefined && errors.every((e) => !isCapacityError(e.code)))
    return new LaunchRejectedError(`EC2 refused the fleet (${refusal.code}): ${refusal.message}`);
  const noFallback =
    ask.spotPercent > 0 && !ask.onDemandFallback ? " (spot only: no on-demand fallback)" : "";
  return new CapacityError(
    `EC2 has no capacity now for ${ask.targetCapacity} ${unitName(ask.capacityUnit, ask.targetCapacity)} of ${typesPhrase(ask)} (${marketsPhrase(ask)}) in any zone${noFallback}`,
  );
}

/** Deletes the annex's fleets (terminating their instances) and its launch template; idempotent. */
export async function releaseFleetResources(
  ports: Pick<EndPorts, "ec2Fleets" | "launchTemplates">,
  annexId: string,
  known: readonly string[] = [],
): Promise<void> {
  const fleetIds = [...new Set([...known, ...(await ports.ec2Fleets.findByAnnex(annexId))])];
  if (fleetIds.length > 0) await ports.ec2Fleets.delete(fleetIds);
  await ports.launchTemplates.delete(launchTemplateName(annexId));
}
