/**
 * EC2 mutations only on what is ours: existing resources by their `annex:` tag, new ones only
 * with our tags at creation; the resources a launch uses but cannot tag in statements of their own.
 */

import { actionsOf, resourcesOf, type Statement } from "./template.ts";

/** EC2 reads that take no resource: Describe*, and the instance types matching attributes. */
export const isEc2Read = (action: string): boolean =>
  /^ec2:Describe\w+$/.test(action) || action === "ec2:GetInstanceTypesFromInstanceRequirements";

export const isEc2Mutation = (action: string): boolean =>
  action.startsWith("ec2:") && !isEc2Read(action);

/** What RunInstances, RequestSpotFleet and CreateFleet use without creating or tagging it. */
const UNTAGGED = new Set([
  "image",
  "subnet",
  "security-group",
  "key-pair",
  "network-interface",
  "volume",
  "spot-instances-request",
  "launch-template",
  "vpc",
]);

/** A condition that holds only when `key` is present (and not negated). */
function requires(statement: Statement, key: string): boolean {
  return Object.entries(statement.Condition ?? {}).some(
    ([operator, keys]) =>
      key in keys && !operator.includes("Not") && (operator !== "Null" || keys[key] === "false"),
  );
}

const typeOf = (arn: string) => (arn === "*" ? "*" : (/:([a-z-]+)\/[^:]*$/.exec(arn)?.[1] ?? arn));

const onTagged = (tagKey: string) => (statement: Statement) =>
  requires(statement, `ec2:ResourceTag/${tagKey}`) ||
  requires(statement, `aws:ResourceTag/${tagKey}`)
    ? []
    : [`without a condition on the resource's ${tagKey} tag`];

/** Creates `created` types only with our tag in the request; anything else only from UNTAGGED. */
const creating = (created: string[], tagKey: string) => (statement: Statement) => {
  const types = resourcesOf(statement).map(typeOf);
  const creates = types.filter((t) => t === "*" || created.includes(t));
  if (creates.length === 0)
    return types.filter((t) => !UNTAGGED.has(t)).map((t) => `on ${t} resources`);
  const conditioned =
    requires(statement, `aws:RequestTag/${tagKey}`) && requires(statement, "aws:TagKeys");
  return conditioned
    ? []
    : [`on ${creates.join(", ")} without aws:RequestTag/${tagKey} and aws:TagKeys`];
};

const tagging = (statement: Statement) =>
  requires(statement, "ec2:CreateAction") ? [] : onTagged("annex:id")(statement);

const namedOnly = (statement: Statement) =>
  resourcesOf(statement)
    .filter((r) => r.includes("*"))
    .map((r) => `on ${r} (name it)`);

/** The rule of each EC2 mutation the product may make; any other mutation is refused outright. */
const RULES: Record<string, (statement: Statement) => string[]> = {
  "ec2:TerminateInstances": onTagged("annex:id"),
  "ec2:CancelSpotFleetRequests": onTagged("annex:id"),
  "ec2:DeleteFleets": onTagged("annex:id"),
  "ec2:DeleteLaunchTemplate": onTagged("annex:id"),
  "ec2:DeleteTags": onTagged("annex:id"),
  "ec2:CreateTags": tagging,
  "ec2:RunInstances": creating(["instance"], "annex:id"),
  "ec2:RequestSpotFleet": creating(["spot-fleet-request"], "annex:id"),
  "ec2:CreateFleet": creating(["fleet", "instance"], "annex:id"),
  "ec2:CreateLaunchTemplate": creating(["launch-template"], "annex:id"),
  "ec2:CreateSecurityGroup": creating(["security-group"], "annex:security-group"),
  "ec2:AuthorizeSecurityGroupIngress": onTagged("annex:security-group"),
  "ec2:RevokeSecurityGroupIngress": onTagged("annex:security-group"),
  "ec2:CreateKeyPair": namedOnly,
};

/** What is wrong with one statement's EC2 mutations. */
export function ec2Violations(statement: Statement): string[] {
  if (statement.Effect !== "Allow") return [];
  return actionsOf(statement)
    .filter(isEc2Mutation)
    .flatMap((action) => {
      const rule = RULES[action];
      if (rule === undefined) return [`${action} has no rule for its resources (add one)`];
      return rule(statement).map((problem) => `${action} ${problem}`);
    });
}
