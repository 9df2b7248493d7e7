/**
 * EC2 mutations only on what is ours: existing resources by their `annex:` tag (and the annex's
 * only in this stage: `annex:stage` equal to the stage, or absent on what was launched before
 * launches carried it), new ones only with our tags, the stage's among them, at creation; the
 * resources a launch uses but cannot tag in statements of their own.
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

/** A condition that `key` equals `value` exactly (`StringEquals`, or `…IfExists` when `absentToo`). */
function equals(statement: Statement, key: string, value: string, absentToo: boolean): boolean {
  const operators = absentToo ? ["StringEquals", "StringEqualsIfExists"] : ["StringEquals"];
  return operators.some((operator) => {
    const values = statement.Condition?.[operator]?.[key];
    return [values].flat().length === 1 && [values].flat()[0] === value;
  });
}

const typeOf = (arn: string) => (arn === "*" ? "*" : (/:([a-z-]+)\/[^:]*$/.exec(arn)?.[1] ?? arn));

const onTagged = (tagKey: string) => (statement: Statement) =>
  requires(statement, `ec2:ResourceTag/${tagKey}`) ||
  requires(statement, `aws:ResourceTag/${tagKey}`)
    ? []
    : [`without a condition on the resource's ${tagKey} tag`];

/** On an annex's resources of this stage only. */
const onOurs = (stage: string) => (statement: Statement) => [
  ...onTagged("annex:id")(statement),
  ...(equals(statement, "ec2:ResourceTag/annex:stage", stage, true)
    ? []
    : [`without the resource's annex:stage tag equal to ${stage}`]),
];

/**
 * Creates `created` types only with our tag in the request (and `stage`, when given, as the
 * request's `annex:stage`); anything else only from UNTAGGED.
 */
const creating = (created: string[], tagKey: string, stage?: string) => (statement: Statement) => {
  const types = resourcesOf(statement).map(typeOf);
  const creates = types.filter((t) => t === "*" || created.includes(t));
  if (creates.length === 0)
    return types.filter((t) => !UNTAGGED.has(t)).map((t) => `on ${t} resources`);
  const conditioned =
    requires(statement, `aws:RequestTag/${tagKey}`) && requires(statement, "aws:TagKeys");
  const staged =
    stage === undefined || equals(statement, "aws:RequestTag/annex:stage", stage, false);
  return [
    ...(conditioned
      ? []
      : [`on ${creates.join(", ")} without aws:RequestTag/${tagKey} and aws:TagKeys`]),
    ...(staged ? [] : [`on ${creates.join(", ")} without aws:RequestTag/annex:stage = ${stage}`]),
  ];
};

const tagging = (stage: string) => (statement: Statement) =>
  requires(statement, "ec2:CreateAction") ? [] : onOurs(stage)(statement);

const namedOnly = (statement: Statement) =>
  resourcesOf(statement)
    .filter((r) => r.includes("*"))
    .map((r) => `on ${r} (name it)`);

/** The rule of each EC2 mutation the product may make; any other mutation is refused outright. */
const rules = (stage: string): Record<string, (statement: Statement) => string[]> => ({
  "ec2:TerminateInstances": onOurs(stage),
  "ec2:CancelSpotFleetRequests": onOurs(stage),
  "ec2:DeleteFleets": onOurs(stage),
  "ec2:DeleteLaunchTemplate": onOurs(stage),
  "ec2:DeleteTags": onOurs(stage),
  "ec2:CreateTags": tagging(stage),
  "ec2:RunInstances": creating(["instance"], "annex:id", stage),
  "ec2:RequestSpotFleet": creating(["spot-fleet-request"], "annex:id", stage),
  "ec2:CreateFleet": creating(["fleet", "instance"], "annex:id", stage),
  "ec2:CreateLaunchTemplate": creating(["launch-template"], "annex:id", stage),
  "ec2:CreateSecurityGroup": creating(["security-group"], "annex:security-group"),
  "ec2:AuthorizeSecurityGroupIngress": onTagged("annex:security-group"),
  "ec2:RevokeSecurityGroupIngress": onTagged("annex:security-group"),
  "ec2:CreateKeyPair": namedOnly,
});

/** What is wrong with one statement's EC2 mutations, in `stage`. */
export function ec2Violations(statement: Statement, stage: string): string[] {
  if (statement.Effect !== "Allow") return [];
  const byAction = rules(stage);
  return actionsOf(statement)
    .filter(isEc2Mutation)
    .flatMap((action) => {
      const rule = byAction[action];
      if (rule === undefined) return [`${action} has no rule for its resources (add one)`];
      return rule(statement).map((problem) => `${action} ${problem}`);
    });
}
