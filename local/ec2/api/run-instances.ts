/** RunInstances: validation, ClientToken idempotency, MinCount/MaxCount partial fulfilment. */

import { type Reservation, RunInstances$, type RunInstancesRequest } from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { newId } from "../core/ids.ts";
import { architectureMismatch } from "../core/images.ts";
import { type LaunchSpec, launch } from "../core/launch.ts";
import { spotPriceAt } from "../core/prices.ts";
import { resolveLaunch } from "../core/resolve-launch.ts";
import { withTemplate } from "../core/templates.ts";
import { reservationsOf } from "../core/views.ts";
import { Ec2Error, invalidParameter, invalidValue, missingParameter } from "../protocol/errors.ts";
import { insufficientCapacity } from "./capacity.ts";
import { fingerprint, replayOrCheck } from "./idempotency.ts";
import { type Operation, operation } from "./operation.ts";

const maxPerRequest = 10_000;

/** RunInstances. */
export const runInstances: Operation = operation(
  RunInstances$,
  (ctx, request: RunInstancesRequest, call): Reservation => {
    const { min, max } = counts(request);
    const print = fingerprint(request);
    const replay = replayOrCheck(ctx, "RunInstances", request.ClientToken, print);
    if (replay) return reservationOf(ctx, replay.reservationId, replay.instanceIds);
    const input = withTemplate(ctx, request);
    const spec = launchSpecOf(ctx, input);
    const mismatch = architectureMismatch(ctx, spec.instanceType, spec.imageId);
    if (mismatch) throw invalidParameter(mismatch);
    const zone = spec.subnet.availabilityZone;
    checkSpotPrice(ctx, input, spec.instanceType, zone, call.now);
    const market = spec.lifecycle === "spot" ? "spot" : "on-demand";
    const capacity = ctx.faults.capacityLedger();
    if (capacity.available(spec.instanceType, zone, market) < min)
      throw insufficientCapacity(ctx, spec.instanceType, zone, market);
    const granted = capacity.take(spec.instanceType, zone, market, max);
    capacity.commit();
    const reservationId = newId("r");
    const instances = launch(ctx, spec, granted, reservationId, call.now);
    const instanceIds = instances.map((i) => i.id);
    if (input.ClientToken !== undefined)
      ctx.state.clientTokens[`RunInstances:${input.ClientToken}`] = {
        fingerprint: print,
        reservationId,
        instanceIds,
      };
    return reservationOf(ctx, reservationId, instanceIds);
  },
);

function counts(input: RunInstancesRequest): { min: number; max: number } {
  const min = input.MinCount;
  const max = input.MaxCount;
  if (max === undefined) throw missingParameter("MaxCount");
  if (min === undefined) throw missingParameter("MinCount");
  if (!Number.isInteger(min) || min < 1)
    throw invalidValue("minCount", min, "Expecting a value greater than 0.");
  if (!Number.isInteger(max) || max < min)
    throw invalidValue("maxCount", max, "Expecting a value greater than or equal to minCount.");
  if (min > maxPerRequest)
    throw new Ec2Error(
      "InstanceLimitExceeded",
      `You have requested more instances (${min}) than your current instance limit of ${maxPerRequest} allows for the specified instance type.`,
    );
  return { min, max: Math.min(max, maxPerRequest) };
}

function launchSpecOf(ctx: Ec2Context, input: RunInstancesRequest): LaunchSpec {
  return resolveLaunch(ctx, input, input.InstanceMarketOptions?.MarketType === "spot");
}

function checkSpotPrice(
  ctx: Ec2Context,
  input: RunInstancesRequest,
  type: string,
  zone: string,
  now: number,
): void {
  const options = input.InstanceMarketOptions;
  if (options?.MarketType === undefined) return;
  if (options.MarketType !== "spot")
    throw invalidValue("InstanceMarketOptions.MarketType", options.MarketType);
  const maxPrice = options.SpotOptions?.MaxPrice;
  const price = spotPriceAt(ctx, type, zone, now);
  if (maxPrice !== undefined && Number(maxPrice) < price)
    throw new Ec2Error(
      "SpotMaxPriceTooLow",
      `Your Spot request price of ${maxPrice} is lower than the minimum required Spot request fulfillment price of ${price}.`,
    );
}

function reservationOf(ctx: Ec2Context, reservationId: string, instanceIds: string[]): Reservation {
  const records = instanceIds.flatMap((id) => ctx.state.instances[id] ?? []);
  const [reservation] = reservationsOf(ctx, records);
  return (
    reservation ?? {
      ReservationId: reservationId,
      OwnerId: ctx.accountId,
      Groups: [],
      Instances: [],
    }
  );
}
