/** Checks launch parameters the way EC2 does and resolves them to stored records. */

import { createHash } from "node:crypto";
import type {
  IamInstanceProfileSpecification,
  InstanceMetadataOptionsRequest,
} from "@aws-sdk/client-ec2";
import { instanceTypes } from "../pricing.ts";
import { Ec2Error, invalidParameter, invalidValue, missingParameter } from "../protocol/errors.ts";
import type { Ec2Context } from "./context.ts";
import { checkId } from "./ids.ts";
import { defaultSubnet } from "./network.ts";
import type { MetadataSettings, SecurityGroupRecord, SubnetRecord } from "./state.ts";

/** An AMI id EC2 would accept (`ami-` and 8 to 17 hex digits) that is not marked unknown. */
export function resolveImage(ctx: Ec2Context, imageId: string | undefined): string {
  if (imageId === undefined) throw missingParameter("ImageId");
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId))
    throw new Ec2Error("InvalidAMIID.Malformed", `Invalid id: "${imageId}" (expecting "ami-...")`);
  if (ctx.faults.settings.unknownImages.includes(imageId))
    throw new Ec2Error("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  return imageId;
}

/** A built-in instance type (EC2's default, m1.small, when none is given). */
export function resolveInstanceType(type: string | undefined): string {
  const name = type ?? "m1.small";
  if (!instanceTypes.has(name)) throw invalidParameter(`Invalid value '${name}' for InstanceType.`);
  return name;
}

/** The key pair must exist. */
export function resolveKeyName(ctx: Ec2Context, keyName: string | undefined): string | undefined {
  if (keyName === undefined) return undefined;
  if (!Object.values(ctx.state.keyPairs).some((k) => k.name === keyName))
    throw new Ec2Error("InvalidKeyPair.NotFound", `The key pair '${keyName}' does not exist`);
  return keyName;
}

/** The subnet named, else the default subnet of the zone named, else the first default subnet. */
export function resolveSubnet(
  ctx: Ec2Context,
  subnetId: string | undefined,
  availabilityZone?: string,
): SubnetRecord {
  if (subnetId === undefined) return defaultSubnet(ctx, availabilityZone);
  checkId(subnetId, "subnet", "InvalidSubnetID.Malformed");
  const subnet = ctx.state.subnets[subnetId];
  if (!subnet)
    throw new Ec2Error("InvalidSubnetID.NotFound", `The subnet ID '${subnetId}' does not exist`);
  return subnet;
}

/** Security groups by id or name in the subnet's VPC; the VPC's `default` group when none is named. */
export function resolveGroups(
  ctx: Ec2Context,
  vpcId: string,
  ids: string[] = [],
  names: string[] = [],
): string[] {
  const groups = Object.values(ctx.state.securityGroups).filter((g) => g.vpcId === vpcId);
  const missing = (what: string) =>
    new Ec2Error(
      "InvalidGroup.NotFound",
      `The security group '${what}' does not exist in VPC '${vpcId}'`,
    );
  const byId = ids.map((id) => {
    checkId(id, "sg", "InvalidGroupId.Malformed");
    const group = groups.find((g) => g.id === id);
    if (!group) throw missing(id);
    return group.id;
  });
  const byName = names.map((name) => {
    const group = groups.find((g) => g.name === name);
    if (!group) throw missing(name);
    return group.id;
  });
  const all = [...new Set([...byId, ...byName])];
  if (all.length > 0) return all;
  const fallback = groups.find((g: SecurityGroupRecord) => g.name === "default");
  return fallback ? [fallback.id] : [];
}

const maxUserDataBytes = 16 * 1024;

/** Base64 user data, at most 16 KB once decoded (EC2's limit). */
export function resolveUserData(userData: string | undefined): string | undefined {
  if (userData === undefined || userData === "") return undefined;
  const compact = userData.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1)
    throw invalidParameter("Invalid BASE64 encoding of user data.");
  if (Buffer.from(compact, "base64").length > maxUserDataBytes)
    throw invalidParameter(`User data is limited to ${maxUserDataBytes} bytes`);
  return compact;
}

/** An instance profile by ARN or name, with an id derived from it. */
export function resolveProfile(
  ctx: Ec2Context,
  profile: IamInstanceProfileSpecification | undefined,
): { arn: string; id: string } | undefined {
  if (!profile || (profile.Arn === undefined && profile.Name === undefined)) return undefined;
  const arn = profile.Arn ?? `arn:aws:iam::${ctx.accountId}:instance-profile/${profile.Name}`;
  if (!/^arn:aws[\w-]*:iam::\d{12}:instance-profile\/[\w+=,.@/-]+$/.test(arn))
    throw invalidValue("iamInstanceProfile.arn", arn, "Invalid IAM Instance Profile ARN");
  const digest = createHash("sha256").update(arn).digest("hex").toUpperCase();
  return { arn, id: `AIPA${digest.slice(0, 17)}` };
}

/** `stop` (EC2's default for on-demand) or `terminate`. */
export function resolveShutdownBehavior(
  value: string | undefined,
  fallback: "stop" | "terminate",
): "stop" | "terminate" {
  if (value === undefined) return fallback;
  if (value !== "stop" && value !== "terminate")
    throw invalidValue("InstanceInitiatedShutdownBehavior", value);
  return value;
}

/** Instance metadata options; IMDSv2 (tokens required) unless asked otherwise. */
export function resolveMetadata(
  options: InstanceMetadataOptionsRequest | undefined,
): MetadataSettings {
  const pick = <T extends string>(
    name: string,
    value: string | undefined,
    allowed: T[],
    fallback: T,
  ): T => {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) throw invalidValue(name, value);
    return value as T;
  };
  const hopLimit = options?.HttpPutResponseHopLimit ?? 2;
  if (!Number.isInteger(hopLimit) || hopLimit < 1 || hopLimit > 64)
    throw invalidValue("HttpPutResponseHopLimit", hopLimit);
  return {
    httpTokens: pick("HttpTokens", options?.HttpTokens, ["optional", "required"], "required"),
    httpEndpoint: pick("HttpEndpoint", options?.HttpEndpoint, ["enabled", "disabled"], "enabled"),
    instanceTags: pick(
      "InstanceMetadataTags",
      options?.InstanceMetadataTags,
      ["enabled", "disabled"],
      "disabled",
    ),
    hopLimit,
  };
}
