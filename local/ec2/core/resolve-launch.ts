/** RunInstances-style parameters (also what fleets' specifications reduce to) → a checked LaunchSpec. */

import type { RunInstancesRequest } from "@aws-sdk/client-ec2";
import type { Ec2Context } from "./context.ts";
import type { LaunchSpec } from "./launch.ts";
import {
  resolveGroups,
  resolveImage,
  resolveInstanceType,
  resolveKeyName,
  resolveMetadata,
  resolveProfile,
  resolveShutdownBehavior,
  resolveSubnet,
  resolveUserData,
} from "./resolve.ts";
import { tagSpecifications } from "./tags.ts";

const taggable = ["instance", "volume", "network-interface", "spot-instances-request"];

/** Checks every launch parameter as EC2 does; `spot` changes the default shutdown behaviour. */
export function resolveLaunch(
  ctx: Ec2Context,
  input: Partial<RunInstancesRequest>,
  spot: boolean,
): LaunchSpec {
  const nic = input.NetworkInterfaces?.[0];
  const subnet = resolveSubnet(
    ctx,
    input.SubnetId ?? nic?.SubnetId,
    input.Placement?.AvailabilityZone,
  );
  const tags = tagSpecifications(input.TagSpecifications, taggable);
  return {
    imageId: resolveImage(ctx, input.ImageId),
    instanceType: resolveInstanceType(input.InstanceType),
    keyName: resolveKeyName(ctx, input.KeyName),
    subnet,
    groupIds: resolveGroups(
      ctx,
      subnet.vpcId,
      input.SecurityGroupIds ?? nic?.Groups,
      input.SecurityGroups,
    ),
    userData: resolveUserData(input.UserData),
    iamInstanceProfile: resolveProfile(ctx, input.IamInstanceProfile),
    instanceTags: tags.get("instance") ?? [],
    volumeTags: tags.get("volume") ?? [],
    shutdownBehavior: resolveShutdownBehavior(
      input.InstanceInitiatedShutdownBehavior,
      spot ? "terminate" : "stop",
    ),
    metadata: resolveMetadata(input.MetadataOptions),
    lifecycle: spot ? "spot" : undefined,
    clientToken: input.ClientToken,
  };
}
