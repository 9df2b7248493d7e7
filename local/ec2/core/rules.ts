/** Security group rules: from the API's IpPermissions to one record per peer, and back. */

import type { IpPermission, SecurityGroupRule } from "@aws-sdk/client-ec2";
import { Ec2Error, invalidParameter, invalidValue } from "../protocol/errors.ts";
import { newId } from "./ids.ts";
import type { RuleRecord, SecurityGroupRecord } from "./state.ts";

const protocols: Record<string, string> = {
  tcp: "tcp",
  "6": "tcp",
  udp: "udp",
  "17": "udp",
  icmp: "icmp",
  "1": "icmp",
  "-1": "-1",
  all: "-1",
};

const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function checkCidr(cidr: string): string {
  const m = ipv4Cidr.exec(cidr);
  const ok = m?.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
  if (!ok) throw invalidValue("cidrIp", cidr, "This is not a valid CIDR block.");
  return cidr;
}

function ports(
  protocol: string,
  from?: number,
  to?: number,
): { fromPort?: number; toPort?: number } {
  if (protocol === "-1") return {};
  if (from === undefined || to === undefined)
    throw invalidParameter(
      `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`,
    );
  if (protocol === "icmp") return { fromPort: from, toPort: to };
  if (from < 0 || to > 65535 || from > to)
    throw invalidParameter(
      `Invalid value '${from}-${to}' for portRange. Must be between 0 and 65535 and from <= to.`,
    );
  return { fromPort: from, toPort: to };
}

/** Expands IpPermissions into one rule per peer, checking protocols, ports, CIDRs and groups. */
export function rulesOf(
  permissions: IpPermission[],
  groupExists: (id: string) => boolean,
): RuleRecord[] {
  return permissions.flatMap((p) => {
    const raw = (p.IpProtocol ?? "").toLowerCase();
    const protocol = protocols[raw];
    if (!protocol)
      throw invalidParameter(
        `Invalid value '${p.IpProtocol ?? ""}' for IP protocol. Unknown protocol.`,
      );
    const range = ports(protocol, p.FromPort, p.ToPort);
    const base = { protocol, ...range };
    const peers: Omit<RuleRecord, "id" | "protocol" | "fromPort" | "toPort">[] = [
      ...(p.IpRanges ?? []).map((r) => ({
        cidrIpv4: checkCidr(r.CidrIp ?? ""),
        description: r.Description,
      })),
      ...(p.Ipv6Ranges ?? []).map((r) => ({
        cidrIpv6: r.CidrIpv6 ?? "",
        description: r.Description,
      })),
      ...(p.UserIdGroupPairs ?? []).map((g) => {
        const groupId = g.GroupId ?? "";
        if (!groupExists(groupId))
          throw new Ec2Error(
            "InvalidGroup.NotFound",
            `The security group '${groupId}' does not exist`,
          );
        return { groupId, description: g.Description };
      }),
    ];
    if (peers.length === 0)
      throw invalidParameter(
        "The request must specify at least one peer (IpRanges, Ipv6Ranges or UserIdGroupPairs).",
      );
    return peers.map((peer) => ({ id: newId("sgr"), ...base, ...peer }));
  });
}

/** EC2's text for a rule in duplicate / not-found messages. */
export function ruleText(rule: RuleRecord): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.groupId ?? "";
  const proto = rule.protocol === "-1" ? "ALL" : rule.protocol.toUpperCase();
  const range =
    rule.protocol === "-1" ? "" : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peer}, ${proto}${range}, ALLOW`;
}

/** Whether two rules match the same traffic from the same peer. */
export const sameRule = (a: RuleRecord, b: RuleRecord): boolean =>
  a.protocol === b.protocol &&
  a.fromPort === b.fromPort &&
  a.toPort === b.toPort &&
  a.cidrIpv4 === b.cidrIpv4 &&
  a.cidrIpv6 === b.cidrIpv6 &&
  a.groupId === b.groupId;

/** Rules grouped back into IpPermissions (one per protocol and port range), as Describe shows them. */
export function permissionsOf(rules: RuleRecord[], accountId: string): IpPermission[] {
  const groups = new Map<string, IpPermission>();
  for (const rule of rules) {
    const key = `${rule.protocol}:${rule.fromPort}:${rule.toPort}`;
    let p = groups.get(key);
    if (!p) {
      p = {
        IpProtocol: rule.protocol,
        FromPort: rule.fromPort,
        ToPort: rule.toPort,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      groups.set(key, p);
    }
    if (rule.cidrIpv4) p.IpRanges?.push({ CidrIp: rule.cidrIpv4, Description: rule.description });
    if (rule.cidrIpv6)
      p.Ipv6Ranges?.push({ CidrIpv6: rule.cidrIpv6, Description: rule.description });
    if (rule.groupId)
      p.UserIdGroupPairs?.push({
        GroupId: rule.groupId,
        UserId: accountId,
        Description: rule.description,
      });
  }
  return [...groups.values()];
}

/** A rule as AuthorizeSecurityGroupIngress returns it. */
export function ruleView(
  group: SecurityGroupRecord,
  rule: RuleRecord,
  accountId: string,
  egress: boolean,
): SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.id,
    GroupId: group.id,
    GroupOwnerId: accountId,
    IsEgress: egress,
    IpProtocol: rule.protocol,
    FromPort: rule.fromPort ?? -1,
    ToPort: rule.toPort ?? -1,
    CidrIpv4: rule.cidrIpv4,
    CidrIpv6: rule.cidrIpv6,
    ReferencedGroupInfo: rule.groupId ? { GroupId: rule.groupId, UserId: accountId } : undefined,
    Description: rule.description,
  };
}
