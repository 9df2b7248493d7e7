/** The `fleet` field of a create request (kind `fleet`): instance types or vCPU/memory ranges, markets. */

import { z } from "zod";
import { addIssue, instanceType } from "./common.ts";

/** Most instance types one fleet may list (each is one override per Availability Zone). */
export const MAX_FLEET_TYPES = 20;
/** The largest vCPU count and memory per vCPU anyone could ask of one instance. */
const MAX_VCPUS = 1024;
const MAX_GIB_PER_VCPU = 1024;

const vcpuCount = z
  .number()
  .int("must be a whole number")
  .min(1, "must be at least 1")
  .max(MAX_VCPUS, `must be at most ${MAX_VCPUS}`);
const gibPerVcpu = z
  .number()
  .finite()
  .min(0, "must be at least 0")
  .max(MAX_GIB_PER_VCPU, `must be at most ${MAX_GIB_PER_VCPU}`);

const ordered = (r: { min?: number | undefined; max?: number | undefined }) =>
  r.max === undefined || r.min === undefined || r.max >= r.min;

const vcpus = z
  .object({ min: vcpuCount, max: vcpuCount.optional() })
  .strict()
  .refine(ordered, { message: "must not be below min", path: ["max"] });

const memoryPerVcpuGiB = z
  .object({ min: gibPerVcpu.optional(), max: gibPerVcpu.optional() })
  .strict()
  .refine(ordered, { message: "must not be below min", path: ["max"] });

/** EC2 Fleet settings: what to launch (types or ranges), the spot share, fallback, replacement. */
export const fleet = z
  .object({
    instanceTypes: z
      .array(instanceType)
      .min(1, "must list at least one instance type")
      .max(MAX_FLEET_TYPES, `must list at most ${MAX_FLEET_TYPES} instance types`)
      .refine((types) => new Set(types).size === types.length, "must not repeat an instance type")
      .optional(),
    vcpus: vcpus.optional(),
    memoryPerVcpuGiB: memoryPerVcpuGiB.optional(),
    spotPercent: z
      .number()
      .int("must be a whole number")
      .min(0, "must be at least 0")
      .max(100, "must be at most 100")
      .default(100),
    onDemandFallback: z.boolean().default(true),
    replaceInterrupted: z.boolean().default(false),
  })
  .strict()
  .superRefine((f, ctx) => {
    if ((f.instanceTypes === undefined) === (f.vcpus === undefined))
      addIssue(
        ctx,
        ["instanceTypes"],
        "give either instanceTypes or vcpus (attribute-based), not both",
      );
    if (f.memoryPerVcpuGiB !== undefined && f.vcpus === undefined)
      addIssue(ctx, ["memoryPerVcpuGiB"], "is only for attribute-based selection (with vcpus)");
    if (f.spotPercent === 0 && f.replaceInterrupted)
      addIssue(ctx, ["replaceInterrupted"], "is for spot capacity: spotPercent is 0");
  });
