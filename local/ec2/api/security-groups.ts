/** Security groups: CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup. */

import {
  CreateSecurityGroup$,
  type CreateSecurityGroupRequest,
  type CreateSecurityGroupResult,
  DeleteSecurityGroup$,
  type DeleteSecurityGroupRequest,
  type DeleteSecurityGroupResult,
  DescribeSecurityGroups$,
  type DescribeSecurityGroupsRequest,
  type DescribeSecurityGroupsResult,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { nextSeq } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { checkId, newId } from "../core/ids.ts";
import { defaultVpc } from "../core/network.ts";
import { paginate } from "../core/pagination.ts";
import { permissionsOf } from "../core/rules.ts";
import type { SecurityGroupRecord } from "../core/state.ts";
import { sdkTags, tagSpecifications } from "../core/tags.ts";
import { Ec2Error, invalidParameter, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const groups = (ctx: Ec2Context) => Object.values(ctx.state.securityGroups);

/** A group by id, or by name in the default VPC. */
export function findGroup(
  ctx: Ec2Context,
  id: string | undefined,
  name: string | undefined,
): SecurityGroupRecord {
  if (id !== undefined) {
    checkId(id, "sg", "InvalidGroupId.Malformed");
    const group = ctx.state.securityGroups[id];
    if (!group)
      throw new Ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    return group;
  }
  if (name === undefined) throw missingParameter("GroupId");
  const vpc = defaultVpc(ctx);
  const group = groups(ctx).find((g) => g.name === name && g.vpcId === vpc.id);
  if (!group)
    throw new Ec2Error(
      "InvalidGroup.NotFound",
      `The security group '${name}' does not exist in default VPC '${vpc.id}'`,
    );
  return group;
}

function view(ctx: Ec2Context, g: SecurityGroupRecord): SecurityGroup {
  return {
    GroupId: g.id,
    GroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: ctx.accountId,
    IpPermissions: permissionsOf(g.ingress, ctx.accountId),
    IpPermissionsEgress: permissionsOf(g.egress, ctx.accountId),
    Tags: sdkTags(g.tags),
    SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${g.id}`,
  };
}

/** CreateSecurityGroup. */
export const createSecurityGroup = operation(
  CreateSecurityGroup$,
  (ctx, input: CreateSecurityGroupRequest): CreateSecurityGroupResult => {
    const name = input.GroupName;
    if (name === undefined) throw missingParameter("GroupName");
    if (input.Description === undefined) throw missingParameter("GroupDescription");
    if (name.length === 0 || name.length > 255)
      throw invalidParameter("Group name must be between 1 and 255 characters.");
    if (name.toLowerCase().startsWith("sg-"))
      throw invalidParameter("Group names may not be in the format sg-*.");
    if (input.Description.length > 255)
      throw invalidParameter("Group description must be at most 255 characters.");
    const vpcId = input.VpcId ?? defaultVpc(ctx).id;
    if (!ctx.state.vpcs[vpcId])
      throw new Ec2Error("InvalidVpcID.NotFound", `The vpc ID '${vpcId}' does not exist`);
    if (groups(ctx).some((g) => g.name === name && g.vpcId === vpcId))
      throw new Ec2Error(
        "InvalidGroup.Duplicate",
        `The security group '${name}' already exists for VPC '${vpcId}'`,
      );
    const tags = tagSpecifications(input.TagSpecifications, ["security-group"]);
    const id = newId("sg");
    const egress = [{ id: newId("sgr"), protocol: "-1", cidrIpv4: "0.0.0.0/0" }];
    ctx.state.securityGroups[id] = {
      id,
      seq: nextSeq(ctx),
      name,
      description: input.Description,
      vpcId,
      ingress: [],
      egress,
      tags: tags.get("security-group") ?? [],
    };
    ctx.markDirty();
    return {
      GroupId: id,
      Tags: sdkTags(tags.get("security-group") ?? []),
      SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${id}`,
    };
  },
);

/** DescribeSecurityGroups. */
export const describeSecurityGroups = operation(
  DescribeSecurityGroups$,
  (ctx, input: DescribeSecurityGroupsRequest): DescribeSecurityGroupsResult => {
    const byId = (input.GroupIds ?? []).map((id) => findGroup(ctx, id, undefined));
    const byName = (input.GroupNames ?? []).map((name) => findGroup(ctx, undefined, name));
    const named = [...new Set([...byId, ...byName])];
    const candidates = named.length > 0 ? named : groups(ctx);
    const perms = (g: SecurityGroupRecord) => permissionsOf(g.ingress, ctx.accountId);
    const matching = applyFilters(
      candidates,
      input.Filters,
      {
        "group-id": (g) => g.id,
        "group-name": (g) => g.name,
        "vpc-id": (g) => g.vpcId,
        description: (g) => g.description,
        "owner-id": () => ctx.accountId,
        "ip-permission.protocol": (g) => perms(g).map((p) => p.IpProtocol),
        "ip-permission.from-port": (g) => perms(g).map((p) => String(p.FromPort)),
        "ip-permission.to-port": (g) => perms(g).map((p) => String(p.ToPort)),
        "ip-permission.cidr": (g) => g.ingress.map((r) => r.cidrIpv4),
        "ip-permission.group-id": (g) => g.ingress.map((r) => r.groupId),
      },
      (g) => g.tags,
    );
    const { page, nextToken } = paginate(matching, (g) => g.seq, input, { min: 5, max: 1000 });
    return { SecurityGroups: page.map((g) => view(ctx, g)), NextToken: nextToken };
  },
);

/** DeleteSecurityGroup. */
export const deleteSecurityGroup = operation(
  DeleteSecurityGroup$,
  (ctx, input: DeleteSecurityGroupRequest): DeleteSecurityGroupResult => {
    const group = findGroup(ctx, input.GroupId, input.GroupName);
    if (group.name === "default")
      throw new Ec2Error(
        "CannotDelete",
        `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
      );
    const inUse = Object.values(ctx.state.instances).some(
      (i) => i.state !== "terminated" && i.groupIds.includes(group.id),
    );
    const referenced = groups(ctx).some(
      (g) => g.id !== group.id && g.ingress.some((r) => r.groupId === group.id),
    );
    if (inUse || referenced)
      throw new Ec2Error("DependencyViolation", `resource ${group.id} has a dependent object`);
    delete ctx.state.securityGroups[group.id];
    ctx.markDirty();
    return { Return: true, GroupId: group.id };
  },
);
