/** Image architectures: every image is x86_64 unless the control interface registered it as arm64. */

import { instanceTypes } from "../pricing.ts";
import type { Ec2Context } from "./context.ts";

export type Architecture = "x86_64" | "arm64";

/** The architecture of an image (x86_64 unless set through the control interface). */
export const imageArchitecture = (ctx: Ec2Context, imageId: string): Architecture =>
  ctx.state.imageArchitectures[imageId] ?? "x86_64";

/** EC2's message when a type cannot run an image, or undefined when it can. */
export function architectureMismatch(
  ctx: Ec2Context,
  instanceType: string,
  imageId: string,
): string | undefined {
  const typeArchitecture = instanceTypes.get(instanceType)?.architecture;
  const image = imageArchitecture(ctx, imageId);
  if (typeArchitecture === undefined || typeArchitecture === image) return undefined;
  return `The architecture '${typeArchitecture}' of the specified instance type does not match the architecture '${image}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`;
}
