/** Finding instances by id as EC2 does: malformed ids, unknown ids, eventual consistency. */

import type { Ec2Context } from "../core/context.ts";
import { checkId } from "../core/ids.ts";
import { isVisible } from "../core/launch.ts";
import type { InstanceRecord } from "../core/state.ts";
import { Ec2Error, invalidCombination } from "../protocol/errors.ts";

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

/**
 * The instances a Describe call looks at: the named ones (one unknown id fails the call), or every
 * visible one. Naming ids and asking for pages at once is refused, as EC2 does.
 */
export function describedInstances(
  ctx: Ec2Context,
  input: { InstanceIds?: string[] | undefined; MaxResults?: number | undefined },
  now: number,
): InstanceRecord[] {
  const ids = input.InstanceIds ?? [];
  if (ids.length > 0 && input.MaxResults !== undefined)
    throw invalidCombination(
      "The parameter instancesSet cannot be used with the parameter maxResults",
    );
  return ids.length > 0 ? findInstances(ctx, ids, now) : visibleInstances(ctx, now);
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
