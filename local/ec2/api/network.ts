/** DescribeVpcs, DescribeSubnets and DescribeAvailabilityZones over the default network. */

import {
  DescribeAvailabilityZones$,
  type DescribeAvailabilityZonesRequest,
  type DescribeAvailabilityZonesResult,
  DescribeSubnets$,
  type DescribeSubnetsRequest,
  type DescribeSubnetsResult,
  DescribeVpcs$,
  type DescribeVpcsRequest,
  type DescribeVpcsResult,
} from "@aws-sdk/client-ec2";
import { applyFilters } from "../core/filters.ts";
import { checkId } from "../core/ids.ts";
import { zonesOf } from "../core/network.ts";
import { paginate } from "../core/pagination.ts";
import { sdkTags } from "../core/tags.ts";
import { Ec2Error } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

function pick<T extends { id: string }>(
  all: T[],
  ids: string[] | undefined,
  prefix: string,
  code: string,
  what: string,
): T[] {
  if (!ids || ids.length === 0) return all;
  return ids.map((id) => {
    checkId(id, prefix, `${code}.Malformed`);
    const found = all.find((item) => item.id === id);
    if (!found) throw new Ec2Error(`${code}.NotFound`, `The ${what} ID '${id}' does not exist`);
    return found;
  });
}

const numbered = <T>(items: T[]) => items.map((item, i) => ({ item, seq: i + 1 }));

/** DescribeVpcs. */
export const describeVpcs = operation(
  DescribeVpcs$,
  (ctx, input: DescribeVpcsRequest): DescribeVpcsResult => {
    const vpcs = pick(Object.values(ctx.state.vpcs), input.VpcIds, "vpc", "InvalidVpcID", "vpc");
    const matching = applyFilters(
      numbered(vpcs),
      input.Filters,
      {
        "vpc-id": ({ item }) => item.id,
        "is-default": ({ item }) => String(item.isDefault),
        isDefault: ({ item }) => String(item.isDefault),
        "cidr-block": ({ item }) => item.cidr,
        cidr: ({ item }) => item.cidr,
        "cidr-block-association.cidr-block": ({ item }) => item.cidr,
        state: () => "available",
        "owner-id": () => ctx.accountId,
      },
      ({ item }) => item.tags,
    );
    const { page, nextToken } = paginate(matching, (v) => v.seq, input, { min: 5, max: 1000 });
    return {
      Vpcs: page.map(({ item }) => ({
        VpcId: item.id,
        CidrBlock: item.cidr,
        State: "available",
        IsDefault: item.isDefault,
        OwnerId: ctx.accountId,
        InstanceTenancy: "default",
        DhcpOptionsId: "dopt-00000000",
        CidrBlockAssociationSet: [
          {
            AssociationId: `${item.id.replace("vpc-", "vpc-cidr-assoc-")}`,
            CidrBlock: item.cidr,
            CidrBlockState: { State: "associated" },
          },
        ],
        Tags: sdkTags(item.tags),
      })),
      NextToken: nextToken,
    };
  },
);

/** DescribeSubnets. */
export const describeSubnets = operation(
  DescribeSubnets$,
  (ctx, input: DescribeSubnetsRequest): DescribeSubnetsResult => {
    const subnets = pick(
      Object.values(ctx.state.subnets),
      input.SubnetIds,
      "subnet",
      "InvalidSubnetID",
      "subnet",
    );
    const isDefault = (vpcId: string) => String(ctx.state.vpcs[vpcId]?.isDefault ?? false);
    const matching = applyFilters(
      numbered(subnets),
      input.Filters,
      {
        "subnet-id": ({ item }) => item.id,
        "vpc-id": ({ item }) => item.vpcId,
        "availability-zone": ({ item }) => item.availabilityZone,
        availabilityZone: ({ item }) => item.availabilityZone,
        "availability-zone-id": ({ item }) => item.availabilityZoneId,
        "default-for-az": ({ item }) => isDefault(item.vpcId),
        defaultForAz: ({ item }) => isDefault(item.vpcId),
        "cidr-block": ({ item }) => item.cidr,
        cidr: ({ item }) => item.cidr,
        state: () => "available",
        "owner-id": () => ctx.accountId,
      },
      ({ item }) => item.tags,
    );
    const { page, nextToken } = paginate(matching, (s) => s.seq, input, { min: 5, max: 1000 });
    return {
      Subnets: page.map(({ item }) => ({
        SubnetId: item.id,
        SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${item.id}`,
        VpcId: item.vpcId,
        AvailabilityZone: item.availabilityZone,
        AvailabilityZoneId: item.availabilityZoneId,
        CidrBlock: item.cidr,
        AvailableIpAddressCount: 4091,
        DefaultForAz: isDefault(item.vpcId) === "true",
        MapPublicIpOnLaunch: true,
        State: "available",
        OwnerId: ctx.accountId,
        Tags: sdkTags(item.tags),
      })),
      NextToken: nextToken,
    };
  },
);

/** DescribeAvailabilityZones. */
export const describeAvailabilityZones = operation(
  DescribeAvailabilityZones$,
  (ctx, input: DescribeAvailabilityZonesRequest): DescribeAvailabilityZonesResult => {
    let zones = zonesOf(ctx.region);
    if (input.ZoneNames?.length) zones = zones.filter((z) => input.ZoneNames?.includes(z.name));
    if (input.ZoneIds?.length) zones = zones.filter((z) => input.ZoneIds?.includes(z.id));
    const matching = applyFilters(zones, input.Filters, {
      "zone-name": (z) => z.name,
      "zone-id": (z) => z.id,
      state: () => "available",
      "region-name": () => ctx.region,
      "zone-type": () => "availability-zone",
    });
    return {
      AvailabilityZones: matching.map((z) => ({
        ZoneName: z.name,
        ZoneId: z.id,
        State: "available",
        RegionName: ctx.region,
        ZoneType: "availability-zone",
        OptInStatus: "opt-in-not-required",
        GroupName: ctx.region,
        NetworkBorderGroup: ctx.region,
        Messages: [],
      })),
    };
  },
);
