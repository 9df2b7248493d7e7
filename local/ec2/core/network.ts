/** The default VPC (172.31.0.0/16), one default subnet per Availability Zone, and private addresses. */

import { createHash } from "node:crypto";
import { Ec2Error } from "../protocol/errors.ts";
import type { Ec2Context } from "./context.ts";
import type { Ec2State, SubnetRecord } from "./state.ts";

const stableId = (prefix: string, seed: string) =>
  `${prefix}-${createHash("sha256").update(seed).digest("hex").slice(0, 17)}`;

/** The Availability Zones of a region: six for us-east-1, three elsewhere. */
export function zonesOf(region: string): { name: string; id: string }[] {
  const letters = region === "us-east-1" ? "abcdef" : "abc";
  const short = region
    .split("-")
    .map((part, i) => (i === 0 || /^\d+$/.test(part) ? part : part.charAt(0)))
    .join("");
  return [...letters].map((letter, i) => ({
    name: `${region}${letter}`,
    id: `${short}-az${i + 1}`,
  }));
}

/** Creates the default VPC, its subnets and its `default` security group if they are missing. */
export function ensureDefaultNetwork(state: Ec2State, region: string, accountId: string): void {
  const seed = `${accountId}:${region}`;
  const vpcId = stableId("vpc", `${seed}:vpc`);
  if (state.vpcs[vpcId]) return;
  state.vpcs[vpcId] = { id: vpcId, cidr: "172.31.0.0/16", isDefault: true, tags: [] };
  zonesOf(region).forEach((zone, i) => {
    const id = stableId("subnet", `${seed}:${zone.name}`);
    state.subnets[id] = {
      id,
      vpcId,
      availabilityZone: zone.name,
      availabilityZoneId: zone.id,
      cidr: `172.31.${16 * i}.0/20`,
      nextHost: 4,
      tags: [],
    };
  });
  const groupId = stableId("sg", `${seed}:default`);
  state.securityGroups[groupId] = {
    id: groupId,
    seq: ++state.seq,
    name: "default",
    description: "default VPC security group",
    vpcId,
    ingress: [{ id: stableId("sgr", `${seed}:in`), protocol: "-1", groupId }],
    egress: [{ id: stableId("sgr", `${seed}:out`), protocol: "-1", cidrIpv4: "0.0.0.0/0" }],
    tags: [],
  };
}

/** The default VPC. */
export function defaultVpc(ctx: Ec2Context) {
  const vpc = Object.values(ctx.state.vpcs).find((v) => v.isDefault);
  if (!vpc) throw new Ec2Error("VPCIdNotSpecified", "No default VPC for this user.");
  return vpc;
}

/**
 * The default subnet of an Availability Zone; when none is named, EC2 picks one for you: here
 * the default subnet with the fewest instances in it (the first on a tie), so launches that name
 * no zone spread over the zones instead of filling the first subnet's addresses.
 */
export function defaultSubnet(ctx: Ec2Context, availabilityZone?: string): SubnetRecord {
  const vpc = defaultVpc(ctx);
  const subnets = Object.values(ctx.state.subnets).filter((s) => s.vpcId === vpc.id);
  const subnet = availabilityZone
    ? subnets.find((s) => s.availabilityZone === availabilityZone)
    : leastUsed(ctx, subnets);
  if (!subnet)
    throw new Ec2Error(
      "InvalidParameterValue",
      `Invalid availability zone: [${availabilityZone ?? ""}]`,
    );
  return subnet;
}

/** The subnet holding the fewest instances that are not terminated (the first on a tie). */
function leastUsed(ctx: Ec2Context, subnets: SubnetRecord[]): SubnetRecord | undefined {
  const used = new Map(subnets.map((subnet) => [subnet.id, 0]));
  for (const instance of Object.values(ctx.state.instances)) {
    const count = used.get(instance.subnetId);
    if (count !== undefined && instance.state !== "terminated")
      used.set(instance.subnetId, count + 1);
  }
  let best: SubnetRecord | undefined;
  for (const subnet of subnets)
    if (best === undefined || (used.get(subnet.id) ?? 0) < (used.get(best.id) ?? 0)) best = subnet;
  return best;
}

/** Hands out `count` free private IPv4 addresses of the subnet (sequential, wrapping around when exhausted). */
export function allocateAddresses(ctx: Ec2Context, subnet: SubnetRecord, count: number): string[] {
  const [a, b, c] = subnet.cidr.split(/[./]/).map(Number);
  const size = 2 ** (32 - Number(subnet.cidr.split("/")[1]));
  const address = (host: number) => `${a}.${b}.${(c ?? 0) + Math.floor(host / 256)}.${host % 256}`;
  const used = new Set(
    Object.values(ctx.state.instances)
      .filter((i) => i.subnetId === subnet.id && i.state !== "terminated")
      .map((i) => i.privateIp),
  );
  const out: string[] = [];
  for (let tries = 0; tries < size && out.length < count; tries++) {
    if (subnet.nextHost >= size - 1) subnet.nextHost = 4;
    const candidate = address(subnet.nextHost);
    subnet.nextHost += 1;
    if (!used.has(candidate)) out.push(candidate);
  }
  if (out.length < count)
    throw new Ec2Error(
      "InsufficientFreeAddressesInSubnet",
      `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`,
    );
  return out;
}
