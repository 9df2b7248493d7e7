/** Field schemas of the create request (POST /annexes). */

import { z } from "zod";
import { tagAttributeName, unsafeStringReason } from "../condor-config.ts";
import { addIssue, imageId, instanceType, isJsonObject, OWNER_PATTERN } from "./common.ts";

/** Most user tags per annex (EC2 allows 50 per resource; the service adds 5). */
export const MAX_USER_TAGS = 40;
/** Largest user data, in bytes (EC2's limit before base64). */
export const MAX_USER_DATA_BYTES = 16 * 1024;
/** Smallest WeightedCapacity of a launch specification (a thousandth of a slot per instance). */
export const MIN_WEIGHTED_CAPACITY = 0.001;
/** Largest spot fleet config, in bytes of JSON. */
export const MAX_SPOT_FLEET_CONFIG_BYTES = 64 * 1024;

/** AWS's documented tag character set (letters, digits, space and `_ . : / = + - @`). */
const TAG_TEXT = /^[\p{L}\p{N} _.:/=+\-@]*$/u;
const RESERVED_TAG_PREFIX = /^(aws|annex):/i;

/** The caller's idempotency key. */
export const clientToken = z
  .string()
  .regex(/^[\x20-\x7e]{1,64}$/, "must be 1 to 64 printable ASCII characters");

/** HTCondor users whose jobs the annex runs. */
export const ownerList = z
  .array(
    z
      .string()
      .regex(OWNER_PATTERN, "must be an HTCondor user name (letters, digits, '.', '_', '-')"),
  )
  .min(1, "must list at least one user (or set noOwner)")
  .max(50, "must list at most 50 users");

function rejectProtoKey(value: unknown, ctx: z.RefinementCtx): unknown {
  if (isJsonObject(value) && Object.hasOwn(value, "__proto__")) {
    addIssue(ctx, ["__proto__"], "key is reserved");
  }
  return value;
}

const tagRecord = z.record(z.string(), z.string()).superRefine((record, ctx) => {
  const entries = Object.entries(record);
  if (entries.length > MAX_USER_TAGS) addIssue(ctx, [], `must have at most ${MAX_USER_TAGS} tags`);
  const attributes = new Map<string, string>();
  for (const [key, value] of entries) {
    const length = [...key].length;
    if (length < 1 || length > 128) addIssue(ctx, [key], "key must be 1 to 128 characters");
    if (!TAG_TEXT.test(key))
      addIssue(ctx, [key], "key may only use letters, digits, spaces and _ . : / = + - @");
    if (RESERVED_TAG_PREFIX.test(key))
      addIssue(ctx, [key], "key must not start with aws: or annex:");
    if ([...value].length > 256) addIssue(ctx, [key], "value must be at most 256 characters");
    if (!TAG_TEXT.test(value) || unsafeStringReason(value)) {
      addIssue(ctx, [key], "value may only use letters, digits, spaces and _ . : / = + - @");
    }
    const attribute = tagAttributeName(key).toLowerCase();
    const other = attributes.get(attribute);
    if (other !== undefined)
      addIssue(
        ctx,
        [key],
        `key clashes with tag "${other}" as HTCondor attribute ${tagAttributeName(key)}`,
      );
    attributes.set(attribute, key);
  }
});

/** User tags: EC2 tags on every instance, and ClassAd attributes of every slot. */
export const tags = z.preprocess(rejectProtoKey, tagRecord);

/** User data for the instances, at most 16 KB. */
export const userData = z
  .string()
  .refine(
    (text) => Buffer.byteLength(text, "utf8") <= MAX_USER_DATA_BYTES,
    `must be at most ${MAX_USER_DATA_BYTES} bytes`,
  );

/** Security groups for the instances. */
export const securityGroupIds = z
  .array(
    z
      .string()
      .regex(
        /^sg-([0-9a-f]{8}|[0-9a-f]{17})$/,
        "must be a security group id such as sg-0123456789abcdef0",
      ),
  )
  .min(1, "must list at least one security group")
  .max(16, "must list at most 16 security groups")
  .refine((ids) => new Set(ids).size === ids.length, "must not repeat a security group");

/** An EC2 key pair name. */
export const keyName = z
  .string()
  .regex(/^[A-Za-z0-9._+=@:/-]{1,255}$/, "must be 1 to 255 of letters, digits and . _ + = @ : / -");

const launchSpecification = z
  .object({
    ImageId: imageId.optional(),
    InstanceType: instanceType.optional(),
    WeightedCapacity: z
      .number()
      .finite()
      .min(MIN_WEIGHTED_CAPACITY, `must be at least ${MIN_WEIGHTED_CAPACITY}`)
      .optional(),
  })
  .passthrough();

/** The console's Spot Fleet "JSON config" (SpotFleetRequestConfigData), optionally wrapped. */
export const spotFleetConfig = z.preprocess(
  (value) =>
    isJsonObject(value) && isJsonObject(value.SpotFleetRequestConfig)
      ? value.SpotFleetRequestConfig
      : value,
  z
    .object({
      IamFleetRole: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN")
        .optional(),
      LaunchSpecifications: z.array(launchSpecification).min(1).max(50).optional(),
      LaunchTemplateConfigs: z.array(z.object({}).passthrough()).min(1).max(50).optional(),
    })
    .passthrough()
    .superRefine((config, ctx) => {
      if (!config.LaunchSpecifications && !config.LaunchTemplateConfigs) {
        addIssue(ctx, [], "must have LaunchSpecifications or LaunchTemplateConfigs");
      }
      if (Buffer.byteLength(JSON.stringify(config)) > MAX_SPOT_FLEET_CONFIG_BYTES) {
        addIssue(ctx, [], `must be at most ${MAX_SPOT_FLEET_CONFIG_BYTES} bytes of JSON`);
      }
    }),
);
