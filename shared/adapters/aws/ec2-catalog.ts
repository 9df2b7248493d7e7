/** What fleet annexes read from EC2 before launching: instance types and the VPC's subnets. */

import {
  DescribeInstanceTypesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  GetInstanceTypesFromInstanceRequirementsCommand,
  type Subnet,
} from "@aws-sdk/client-ec2";
import type { FleetRequirements, FleetSubnet } from "../../domain/fleet.ts";
import { LaunchRejectedError, UnknownInstanceTypesError } from "../../domain/launch-errors.ts";
import { chunks } from "../../domain/lists.ts";
import type { Ec2Catalog, InstanceTypeInfo } from "../../ports/ec2-fleets.ts";
import { translateLaunchError } from "./ec2-errors.ts";
import { instanceRequirements } from "./ec2-fleet-shapes.ts";
import { shapeOf } from "./sdk-errors.ts";

/** DescribeInstanceTypes takes at most 100 names per call. */
const TYPES_PER_CALL = 100;

/** The catalog over the SDK. */
export class AwsEc2Catalog implements Ec2Catalog {
  constructor(private readonly ec2: EC2Client) {}

  /** vCPUs and memory of each type; names EC2 does not know throw UnknownInstanceTypesError. */
  async instanceTypes(types: readonly string[]): Promise<InstanceTypeInfo[]> {
    const found: InstanceTypeInfo[] = [];
    for (const batch of chunks([...types], TYPES_PER_CALL)) {
      try {
        const answer = await this.ec2.send(
          new DescribeInstanceTypesCommand({ InstanceTypes: batch as never }),
        );
        for (const info of answer.InstanceTypes ?? [])
          found.push({
            instanceType: info.InstanceType ?? "",
            vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
            memoryMiB: info.MemoryInfo?.SizeInMiB ?? 0,
          });
      } catch (error) {
        const { name, message } = shapeOf(error);
        if (name !== "InvalidInstanceType") throw translateLaunchError(error);
        // "The following supplied instance types do not exist: [t9.mega, x1.huge]"
        const named = /\[([^\]]*)\]/.exec(message)?.[1]?.split(/,\s*/).filter(Boolean);
        throw new UnknownInstanceTypesError(named ?? batch, { cause: error });
      }
    }
    return found;
  }

  /** The instance types (any architecture, HVM) matching the requirements, all pages. */
  async typesMatching(requirements: FleetRequirements): Promise<string[]> {
    const types: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.ec2
        .send(
          new GetInstanceTypesFromInstanceRequirementsCommand({
            ArchitectureTypes: ["x86_64", "arm64"],
            VirtualizationTypes: ["hvm"],
            InstanceRequirements: instanceRequirements(requirements),
            MaxResults: 1000,
            NextToken: token,
          }),
        )
        .catch((error: unknown) => {
          throw translateLaunchError(error);
        });
      types.push(...(page.InstanceTypes ?? []).flatMap((t) => t.InstanceType ?? []));
      token = page.NextToken;
    } while (token);
    return types;
  }

  /** One subnet per zone of the groups' VPC (the default VPC without groups): the zone's default subnet first. */
  async subnetsPerZone(securityGroupIds: readonly string[]): Promise<FleetSubnet[]> {
    const vpcId = await this.vpcOf(securityGroupIds);
    const answer = await this.ec2
      .send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))
      .catch((error: unknown) => {
        throw translateLaunchError(error);
      });
    const byZone = new Map<string, Subnet>();
    const rank = (s: Subnet) => `${s.DefaultForAz ? 0 : 1}${s.SubnetId}`;
    for (const subnet of answer.Subnets ?? []) {
      const zone = subnet.AvailabilityZone ?? "";
      const held = byZone.get(zone);
      if (subnet.SubnetId && (held === undefined || rank(subnet) < rank(held)))
        byZone.set(zone, subnet);
    }
    return [...byZone.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([availabilityZone, s]) => ({ subnetId: s.SubnetId ?? "", availabilityZone }));
  }

  private async vpcOf(securityGroupIds: readonly string[]): Promise<string> {
    const vpcId = await this.findVpc(securityGroupIds).catch((error: unknown) => {
      throw translateLaunchError(error);
    });
    if (vpcId === undefined)
      throw new LaunchRejectedError(
        securityGroupIds.length > 0
          ? `EC2 found no VPC for security group ${securityGroupIds[0]}`
          : "this region has no default VPC: run setup with a VPC (vpcId)",
      );
    return vpcId;
  }

  private async findVpc(securityGroupIds: readonly string[]): Promise<string | undefined> {
    const [groupId] = securityGroupIds;
    if (groupId !== undefined) {
      const answer = await this.ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }),
      );
      return answer.SecurityGroups?.[0]?.VpcId;
    }
    const answer = await this.ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }),
    );
    return answer.Vpcs?.[0]?.VpcId;
  }
}
