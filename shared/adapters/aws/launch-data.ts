/** What every instance the service launches carries, as RunInstances and launch templates both spell it. */

import type { LaunchRequest } from "../../ports/ec2.ts";

type Launched = Pick<
  LaunchRequest,
  "imageId" | "userData" | "securityGroupIds" | "keyName" | "instanceProfileName" | "tags"
>;

/** Our image, user data, groups, key and profile; IMDSv2 only; power-off terminates; tags at launch. */
export function launchData(request: Launched) {
  return {
    ImageId: request.imageId,
    UserData: Buffer.from(request.userData, "utf8").toString("base64"),
    SecurityGroupIds: request.securityGroupIds.length > 0 ? request.securityGroupIds : undefined,
    KeyName: request.keyName,
    IamInstanceProfile: request.instanceProfileName
      ? { Name: request.instanceProfileName }
      : undefined,
    InstanceInitiatedShutdownBehavior: "terminate" as const,
    MetadataOptions: { HttpTokens: "required" as const, HttpEndpoint: "enabled" as const },
    TagSpecifications: [
      { ResourceType: "instance" as const, Tags: request.tags },
      { ResourceType: "volume" as const, Tags: request.tags },
    ],
  };
}
