/** EC2's InsufficientInstanceCapacity error. */

import type { Ec2Context } from "../core/context.ts";
import { zonesOf } from "../core/network.ts";
import { Ec2Error } from "../protocol/errors.ts";

/** `InsufficientInstanceCapacity` (HTTP 500, as EC2) for a type in a zone. */
export function insufficientCapacity(ctx: Ec2Context, type: string, zone: string): Ec2Error {
  const others = zonesOf(ctx.region)
    .map((z) => z.name)
    .filter((name) => name !== zone)
    .join(", ");
  return new Ec2Error(
    "InsufficientInstanceCapacity",
    `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${type} capacity by not specifying an Availability Zone in your request or choosing ${others}.`,
    500,
  );
}
