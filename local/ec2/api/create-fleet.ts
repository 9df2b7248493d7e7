/**
 * CreateFleet: an EC2 Fleet's on-demand share, then its spot share, launched at once from launch
 * templates and their overrides (all types; `request` and `maintain` fleets are not replenished).
 * An instant fleet answers its instances and, per pool that failed, an error (as EC2 does).
 */

import { CreateFleet$, type CreateFleetRequest, type CreateFleetResult } from "@aws-sdk/client-ec2";
import type { Pool } from "../core/allocation.ts";
import { nextSeq } from "../core/context.ts";
import { launchShare } from "../core/fleet-plan.ts";
import { fleetPools } from "../core/fleet-pools.ts";
import { scheduleFleet } from "../core/fleets.ts";
import { newUuidId } from "../core/ids.ts";
import type { FleetRecord, TagPair } from "../core/state.ts";
import { tagSpecifications } from "../core/tags.ts";
import { invalidParameter, missingParameter } from "../protocol/errors.ts";
import { errorsOf, instancesOf } from "./fleet-answer.ts";
import { type CheckedFleet, checkFleetRequest } from "./fleet-request.ts";
import { fingerprint, replayOrCheck } from "./idempotency.ts";
import { operation } from "./operation.ts";

function newFleet(
  ctx: Parameters<typeof nextSeq>[0],
  input: CreateFleetRequest,
  checked: CheckedFleet,
  print: string,
  now: number,
): FleetRecord {
  return {
    id: newUuidId("fleet"),
    seq: nextSeq(ctx),
    type: checked.type,
    state: "active",
    createdAt: now,
    clientToken: input.ClientToken,
    fingerprint: print,
    request: input,
    instanceIds: [],
    weights: {},
    validUntil: input.ValidUntil?.getTime(),
    terminateOnExpiry: input.TerminateInstancesWithExpiration === true,
    tags: [],
    result: {},
  };
}

/** The launch template's instance tags with the request's on top: a key in both takes the request's value. */
function mergeTags(template: TagPair[], request: TagPair[]): TagPair[] {
  const keys = new Set(request.map((t) => t.Key));
  return [...template.filter((t) => !keys.has(t.Key)), ...request];
}

/** CreateFleet. */
export const createFleet = operation(
  CreateFleet$,
  (ctx, input: CreateFleetRequest, call): CreateFleetResult => {
    const print = fingerprint(input);
    const replay = replayOrCheck(ctx, "CreateFleet", input.ClientToken, print);
    const earlier = replay ? ctx.state.fleets[replay.reservationId] : undefined;
    if (earlier) return earlier.result;
    if (!input.LaunchTemplateConfigs?.length) throw missingParameter("LaunchTemplateConfigs");
    const checked = checkFleetRequest(input, call.now);
    const tags = tagSpecifications(
      input.TagSpecifications,
      checked.type === "instant" ? ["fleet", "instance"] : ["fleet"],
    );
    const pools = fleetPools(ctx, input.LaunchTemplateConfigs, {
      unitType: checked.unitType,
      singleSubnet: checked.type === "instant",
    }).map((p) => ({
      ...p,
      spec: { ...p.spec, instanceTags: mergeTags(p.spec.instanceTags, tags.get("instance") ?? []) },
    }));
    if (pools.length === 0)
      throw invalidParameter("No instance type matches the InstanceRequirements of the request.");
    const fleet = newFleet(ctx, input, checked, print, call.now);
    fleet.tags = tags.get("fleet") ?? [];
    ctx.state.fleets[fleet.id] = fleet;
    const bySpec = new Map(pools.map((p) => [p.spec, p]));
    const source = (pool: Pool) => bySpec.get(pool.spec);
    const shares = [
      launchShare(
        ctx,
        fleet.id,
        pools,
        { ...checked.onDemand, unitType: checked.unitType },
        call.now,
      ),
      launchShare(ctx, fleet.id, pools, { ...checked.spot, unitType: checked.unitType }, call.now),
    ];
    const launches = shares.flatMap((s) => s.launches);
    for (const l of launches)
      for (const instance of l.instances) {
        fleet.instanceIds.push(instance.id);
        fleet.weights[instance.id] = l.pool.weight;
      }
    fleet.result = {
      FleetId: fleet.id,
      Errors: errorsOf(
        ctx,
        shares.flatMap((s) => s.failures),
        source,
      ),
      Instances: fleet.type === "instant" ? instancesOf(launches, source) : undefined,
    };
    if (input.ClientToken !== undefined)
      ctx.state.clientTokens[`CreateFleet:${input.ClientToken}`] = {
        fingerprint: print,
        reservationId: fleet.id,
        instanceIds: fleet.instanceIds,
      };
    scheduleFleet(ctx, fleet);
    ctx.markDirty();
    return fleet.result;
  },
);
