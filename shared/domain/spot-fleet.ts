/**
 * The Spot Fleet request of a spot-fleet annex, built from the user's console "JSON config":
 * our capacity, lifetime, user data, instance profile and tags override theirs.
 */

import type { Annex } from "./annex.ts";
import { ValidationError } from "./errors.ts";
import type { SpotFleetRequest } from "./requests/create-annex.ts";
import { launchTags } from "./tags.ts";

type Json = Record<string, unknown>;

/** Fields of the user's config that the service sets itself (or must not pass on). */
const OURS = [
  "ClientToken",
  "TargetCapacity",
  "Type",
  "ValidFrom",
  "ValidUntil",
  "TerminateInstancesWithExpiration",
  "InstanceInterruptionBehavior",
  "TagSpecifications",
  "SpotFleetRequestId",
  "SpotFleetRequestState",
];

const specsOf = (config: SpotFleetRequest["spotFleetConfig"]): Json[] =>
  (config.LaunchSpecifications ?? []) as Json[];

/** What the stage decides of every spot fleet: the default image and the one fleet role it may pass. */
export interface FleetDefaults {
  imageId: string | undefined;
  /** The stage's Spot Fleet role: IAM lets the service pass no other. */
  fleetRoleArn: string;
}

/**
 * What the annex item records of the fleet: its instance types ("a,b") and first image.
 * Throws ValidationError for a fleet role other than the stage's (EC2 would refuse it only after
 * the annex was written), for launch templates (they could not carry our user data and tags)
 * or for a specification without an image when setup stored no default.
 */
export function fleetSummary(
  request: SpotFleetRequest,
  defaults: FleetDefaults,
): { instanceType: string; imageId: string } {
  const path = "spotFleetConfig";
  const role = request.spotFleetConfig.IamFleetRole;
  if (role !== undefined && role !== defaults.fleetRoleArn) {
    throw new ValidationError([
      {
        path: `${path}.IamFleetRole`,
        message: `must be ${defaults.fleetRoleArn}, the only Spot Fleet role this service may pass (or leave IamFleetRole out to use it)`,
      },
    ]);
  }
  if (request.spotFleetConfig.LaunchTemplateConfigs !== undefined) {
    throw new ValidationError([
      {
        path: `${path}.LaunchTemplateConfigs`,
        message: "are not supported: use LaunchSpecifications (the console's JSON config)",
      },
    ]);
  }
  const specs = specsOf(request.spotFleetConfig);
  const missing = specs.findIndex((spec) => spec.ImageId === undefined);
  if (missing >= 0 && defaults.imageId === undefined) {
    throw new ValidationError([
      {
        path: `${path}.LaunchSpecifications.${missing}.ImageId`,
        message: "is required: setup stored no default image",
      },
    ]);
  }
  const types = [...new Set(specs.map((spec) => spec.InstanceType).filter(Boolean))];
  return {
    instanceType: types.length > 0 ? types.join(",") : "unspecified",
    imageId: (specs[0]?.ImageId as string | undefined) ?? (defaults.imageId as string),
  };
}

/**
 * The SpotFleetRequestConfigData to send for `annex` (the client token is added by the adapter);
 * a config without IamFleetRole gets the stage's.
 */
export function fleetRequestConfig(
  annex: Annex,
  userConfig: SpotFleetRequest["spotFleetConfig"],
  launch: {
    userData: string;
    fleetRoleArn: string;
    instanceProfileName?: string | undefined;
    stage: string;
  },
): Json {
  const config: Json = { ...userConfig };
  for (const key of OURS) delete config[key];
  const tags = launchTags(annex, launch.stage);
  const groups = annex.securityGroupIds.map((GroupId) => ({ GroupId }));
  const userData = Buffer.from(launch.userData, "utf8").toString("base64");
  return {
    ...config,
    IamFleetRole: userConfig.IamFleetRole ?? launch.fleetRoleArn,
    TargetCapacity: annex.requestedCount,
    Type: "request",
    ValidUntil: new Date((annex.fleetValidUntil ?? annex.leaseExpiresAt) * 1000),
    TerminateInstancesWithExpiration: true,
    InstanceInterruptionBehavior: "terminate",
    TagSpecifications: [{ ResourceType: "spot-fleet-request", Tags: tags }],
    LaunchSpecifications: specsOf(userConfig).map((spec) => {
      const named = Array.isArray(spec.SecurityGroups) && spec.SecurityGroups.length > 0;
      return {
        ...spec,
        ImageId: spec.ImageId ?? annex.imageId,
        KeyName: spec.KeyName ?? annex.keyName,
        SecurityGroups: named ? spec.SecurityGroups : groups.length > 0 ? groups : undefined,
        UserData: userData,
        IamInstanceProfile: launch.instanceProfileName
          ? { Name: launch.instanceProfileName }
          : undefined,
        TagSpecifications: [{ ResourceType: "instance", Tags: tags }],
      };
    }),
  };
}
