/** EC2's InsufficientInstanceCapacity error and message. */

import type { Market } from "../core/capacity.ts";
import type { Ec2Context } from "../core/context.ts";
import { zonesOf } from "../core/network.ts";
import { Ec2Error } from "../protocol/errors.ts";

/** `InsufficientInstanceCapacity` (HTTP 500, as EC2) for a type in a zone, in EC2's words for each market. */
export function insufficientCapacity(
  ctx: Ec2Context,
  type: string,
  zone: string,
  market: Market = "on-demand",
): Ec2Error {
  return new Ec2Error(
    "InsufficientInstanceCapacity",
    capacityMessage(ctx, type, zone, market),
    500,
  );
}

/** EC2's message for a capacity shortage (also an instant fleet's error entry). */
export function capacityMessage(
  ctx: Ec2Context,
  type: string,
  zone: string,
  market: Market,
): string {
  if (market === "spot") return "There is no Spot capacity available that matches your request.";
  const others = zonesOf(ctx.region)
    .map((z) => z.name)
    .filter((name) => name !== zone)
    .join(", ");
  return `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${type} capacity by not specifying an Availability Zone in your request or choosing ${others}.`;
}
