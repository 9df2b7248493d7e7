/** Finding instances by id as EC2 does: malformed ids, unknown ids, eventual consistency. */

import type { Ec2Context } from "../core/context.ts";
import { checkId } from "../core/ids.ts";
import { isVisible } from "../core/launch.ts";
import type { InstanceRecord } from "../core/state.ts";
import { Ec2Error } from "../protocol/errors.ts";

/** The instances Describe* can see at `now`, in creation order. */
export const visibleInstances = (ctx: Ec2Context, now: number): InstanceRecord[] =>
  Object.values(ctx.state.instances).filter((i) => isVisible(i, now));

/** `InvalidInstanceID.NotFound` naming every missing id. */
export function instancesNotFound(ids: string[]): Ec2Error {
  const list = ids.join(", ");
  return new Ec2Error(
    "InvalidInstanceID.NotFound",
    ids.length === 1
      ? `The instance ID '${list}' does not exist`
      : `The instance IDs '${list}' do not exist`,
  );
}

/** The named instances; one malformed or unknown id fails the whole call. */
export function findInstances(ctx: Ec2Context, ids: string[], now: number): InstanceRecord[] {
  const unique = [...new Set(ids)];
  for (const id of unique) checkId(id, "i", "InvalidInstanceID.Malformed");
  const found: InstanceRecord[] = [];
  const missing: string[] = [];
  for (const id of unique) {
    const instance = ctx.state.instances[id];
    if (instance && isVisible(instance, now)) found.push(instance);
    else missing.push(id);
  }
  if (missing.length > 0) throw instancesNotFound(missing);
  return found;
}
