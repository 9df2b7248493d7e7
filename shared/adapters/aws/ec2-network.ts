/** The network pieces setup makes: the instances' security group in a VPC, and an optional key pair. */

import {
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import { LaunchRejectedError } from "../../domain/launch-errors.ts";
import { ANNEX_TAG_KEYS } from "../../domain/tags.ts";
import type { Ec2Network, IngressRule } from "../../ports/ec2.ts";
import { errorName } from "./sdk-errors.ts";

/** The one IP permission of a rule, as authorize and revoke name it (with its description or not). */
function permission(rule: IngressRule, withDescription: boolean): IpPermission {
  const description = withDescription ? { Description: rule.description } : {};
  const range = rule.cidr.includes(":")
    ? { Ipv6Ranges: [{ CidrIpv6: rule.cidr, ...description }] }
    : { IpRanges: [{ CidrIp: rule.cidr, ...description }] };
  return { IpProtocol: "tcp", FromPort: rule.port, ToPort: rule.port, ...range };
}

/** Security groups, VPCs and key pairs over the SDK. */
export class AwsEc2Network implements Ec2Network {
  constructor(private readonly ec2: EC2Client) {}

  /** The given VPC if it exists, else the account's default VPC. */
  async vpcId(requested?: string): Promise<string> {
    const result = await this.ec2.send(
      new DescribeVpcsCommand(
        requested
          ? { Filters: [{ Name: "vpc-id", Values: [requested] }] }
          : { Filters: [{ Name: "isDefault", Values: ["true"] }] },
      ),
    );
    const vpc = result.Vpcs?.[0]?.VpcId;
    if (vpc === undefined) {
      throw new LaunchRejectedError(
        requested
          ? `VPC ${requested} does not exist`
          : "this region has no default VPC: pass vpcId",
      );
    }
    return vpc;
  }

  /** The id of the group called `name` in `vpcId`, if there is one. */
  async findGroup(vpcId: string, name: string): Promise<string | undefined> {
    const result = await this.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "group-name", Values: [name] },
        ],
      }),
    );
    return result.SecurityGroups?.[0]?.GroupId;
  }

  /** Whether a security group with this id exists. */
  async groupExists(groupId: string): Promise<boolean> {
    try {
      const result = await this.ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }),
      );
      return (result.SecurityGroups?.length ?? 0) > 0;
    } catch (error) {
      const name = errorName(error);
      if (name === "InvalidGroup.NotFound" || name === "InvalidGroupId.Malformed") return false;
      throw error;
    }
  }

  /** Creates the group tagged with its name (`annex:security-group`), the tag IAM lets setup edit. */
  async createGroup(vpcId: string, name: string, description: string): Promise<string> {
    const result = await this.ec2.send(
      new CreateSecurityGroupCommand({
        VpcId: vpcId,
        GroupName: name,
        Description: description,
        TagSpecifications: [
          {
            ResourceType: "security-group",
            Tags: [{ Key: ANNEX_TAG_KEYS.securityGroup, Value: name }],
          },
        ],
      }),
    );
    return result.GroupId ?? "";
  }

  /** Opens `rule` on the group; false when the rule was already there. */
  async allow(groupId: string, rule: IngressRule): Promise<boolean> {
    try {
      await this.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [permission(rule, true)],
        }),
      );
      return true;
    } catch (error) {
      if (errorName(error) === "InvalidPermission.Duplicate") return false;
      throw error;
    }
  }

  /** The group's single-port TCP ingress rules, one per CIDR. */
  async ingressRules(groupId: string): Promise<IngressRule[]> {
    const result = await this.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    return (result.SecurityGroups?.[0]?.IpPermissions ?? [])
      .filter((p) => p.IpProtocol === "tcp" && p.FromPort !== undefined && p.FromPort === p.ToPort)
      .flatMap((p) => [
        ...(p.IpRanges ?? []).map((r) => ({
          port: p.FromPort ?? 0,
          cidr: r.CidrIp ?? "",
          description: r.Description ?? "",
        })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({
          port: p.FromPort ?? 0,
          cidr: r.CidrIpv6 ?? "",
          description: r.Description ?? "",
        })),
      ]);
  }

  /** Closes one ingress rule. */
  async revoke(groupId: string, rule: IngressRule): Promise<void> {
    await this.ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [permission(rule, false)],
      }),
    );
  }

  async keyPairExists(name: string): Promise<boolean> {
    try {
      await this.ec2.send(new DescribeKeyPairsCommand({ KeyNames: [name] }));
      return true;
    } catch (error) {
      if (errorName(error) === "InvalidKeyPair.NotFound") return false;
      throw error;
    }
  }

  /** Creates a key pair and returns its private key (shown once, never stored). */
  async createKeyPair(name: string): Promise<string> {
    const result = await this.ec2.send(new CreateKeyPairCommand({ KeyName: name }));
    return result.KeyMaterial ?? "";
  }
}
