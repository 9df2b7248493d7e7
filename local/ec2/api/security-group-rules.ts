/** Security group ingress rules: AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress. */

import {
  AuthorizeSecurityGroupIngress$,
  type AuthorizeSecurityGroupIngressRequest,
  type AuthorizeSecurityGroupIngressResult,
  type IpPermission,
  RevokeSecurityGroupIngress$,
  type RevokeSecurityGroupIngressRequest,
  type RevokeSecurityGroupIngressResult,
} from "@aws-sdk/client-ec2";
import { rulesOf, ruleText, ruleView, sameRule } from "../core/rules.ts";
import { Ec2Error, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";
import { findGroup } from "./security-groups.ts";

/** The permissions of a request, from IpPermissions or the legacy top-level members. */
function requestedPermissions(input: AuthorizeSecurityGroupIngressRequest): IpPermission[] {
  if (input.IpPermissions && input.IpPermissions.length > 0) return input.IpPermissions;
  if (input.IpProtocol === undefined) throw missingParameter("IpPermissions");
  return [
    {
      IpProtocol: input.IpProtocol,
      FromPort: input.FromPort,
      ToPort: input.ToPort,
      IpRanges: input.CidrIp ? [{ CidrIp: input.CidrIp }] : undefined,
    },
  ];
}

/** AuthorizeSecurityGroupIngress. */
export const authorizeSecurityGroupIngress = operation(
  AuthorizeSecurityGroupIngress$,
  (ctx, input: AuthorizeSecurityGroupIngressRequest): AuthorizeSecurityGroupIngressResult => {
    const group = findGroup(ctx, input.GroupId, input.GroupName);
    const added = rulesOf(
      requestedPermissions(input),
      (id) => ctx.state.securityGroups[id] !== undefined,
    );
    added.forEach((rule, i) => {
      const clash =
        group.ingress.some((r) => sameRule(r, rule)) ||
        added.slice(0, i).some((r) => sameRule(r, rule));
      if (clash)
        throw new Ec2Error(
          "InvalidPermission.Duplicate",
          `the specified rule "${ruleText(rule)}" already exists`,
        );
    });
    group.ingress.push(...added);
    ctx.markDirty();
    return {
      Return: true,
      SecurityGroupRules: added.map((r) => ruleView(group, r, ctx.accountId, false)),
    };
  },
);

/** RevokeSecurityGroupIngress. */
export const revokeSecurityGroupIngress = operation(
  RevokeSecurityGroupIngress$,
  (ctx, input: RevokeSecurityGroupIngressRequest): RevokeSecurityGroupIngressResult => {
    const group = findGroup(ctx, input.GroupId, input.GroupName);
    const byId = input.SecurityGroupRuleIds ?? [];
    const removed =
      byId.length > 0
        ? byId.map((id) => {
            const rule = group.ingress.find((r) => r.id === id);
            if (!rule)
              throw new Ec2Error(
                "InvalidSecurityGroupRuleId.NotFound",
                `The security group rule ID '${id}' does not exist`,
              );
            return rule;
          })
        : rulesOf(requestedPermissions(input), () => true).map((rule) => {
            const found = group.ingress.find((r) => sameRule(r, rule));
            if (!found)
              throw new Ec2Error(
                "InvalidPermission.NotFound",
                "The specified rule does not exist in this security group.",
              );
            return found;
          });
    group.ingress = group.ingress.filter((r) => !removed.includes(r));
    ctx.markDirty();
    return { Return: true };
  },
);
