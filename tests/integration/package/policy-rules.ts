/**
 * The rules every function's role must keep, as functions from the template to violations
 * (an empty list when all hold), so that a deliberately widened policy is caught by the same code.
 */

import { ec2Violations, isEc2Mutation, isEc2Read } from "./ec2-rules.ts";
import { POLLING } from "./may-call.ts";
import {
  actionsOf,
  type FunctionView,
  functionsOf,
  resourcesOf,
  type Statement,
  type Template,
} from "./template.ts";

const TABLE = "${AnnexTable.Arn}";
const BUCKET = "${ConfigBucket.Arn}";

/** Every violation of the per-function rules, each naming the function. */
export function policyViolations(
  template: Template,
  mayCall: Record<string, readonly string[]>,
  names: { service: string; stage: string },
): string[] {
  const functions = functionsOf(template, names.service, names.stage);
  return [
    ...coverage(functions, mayCall),
    ...ownRoles(template, functions),
    ...functions.flatMap((fn) => [
      ...grantsMatch(fn, mayCall[fn.name] ?? []),
      ...fn.statements.flatMap((statement) => statementViolations(fn, statement, names.stage)),
      ...(fn.openRoutes.length > 0 ? openFunctionViolations(fn) : []),
    ]),
  ];
}

function coverage(functions: FunctionView[], mayCall: Record<string, readonly string[]>): string[] {
  const deployed = new Set(functions.map((fn) => fn.name));
  return [
    ...[...deployed]
      .filter((name) => !(name in mayCall))
      .map((name) => `${name}: not in the table of what each function may call`),
    ...Object.keys(mayCall)
      .filter((name) => !deployed.has(name))
      .map((name) => `${name}: in the table but not deployed`),
  ];
}

/** Each function has a role of its own; the framework's shared role, if left, serves none. */
function ownRoles(template: Template, functions: FunctionView[]): string[] {
  const byRole = new Map<string, string[]>();
  for (const fn of functions) byRole.set(fn.role, [...(byRole.get(fn.role) ?? []), fn.name]);
  const shared = [...byRole.values()].filter((names) => names.length > 1);
  const leftover = template.Resources.IamRoleLambdaExecution?.Properties.Policies as
    | Array<{ PolicyDocument: { Statement: Statement[] } }>
    | undefined;
  const leftoverActions = (leftover ?? []).flatMap((p) =>
    p.PolicyDocument.Statement.flatMap(actionsOf),
  );
  return [
    ...shared.map((names) => `${names.join(", ")}: share one role`),
    ...leftoverActions
      .filter((a) => !a.startsWith("logs:") && !POLLING.includes(a))
      .map((a) => `IamRoleLambdaExecution: unused role grants ${a}`),
  ];
}

/** An entry of the may-call table for one granted action on one resource. */
export function grantOf(action: string, resource: string): string {
  const [service] = action.split(":");
  if (service !== "dynamodb" && service !== "s3") return action;
  for (const base of [TABLE, BUCKET]) {
    if (resource === base) return action;
    if (resource.startsWith(`${base}/`)) return `${action} ${resource.slice(base.length + 1)}`;
  }
  return `${action} ${resource}`;
}

export const grantsOf = (fn: FunctionView): Set<string> =>
  new Set(
    fn.statements
      .filter((s) => s.Effect === "Allow")
      .flatMap((s) => actionsOf(s).flatMap((a) => resourcesOf(s).map((r) => grantOf(a, r))))
      .filter((grant) => !grant.startsWith("logs:")),
  );

function grantsMatch(fn: FunctionView, expected: readonly string[]): string[] {
  const granted = grantsOf(fn);
  return [
    ...[...granted]
      .filter((g) => !expected.includes(g))
      .map((g) => `${fn.name}: role grants ${g}, which it does not call`),
    ...expected
      .filter((g) => !granted.has(g))
      .map((g) => `${fn.name}: calls ${g}, which its role does not grant`),
  ];
}

/** Actions IAM cannot scope to a resource: EC2's Describe* and the Price List's reads. */
const takesNoResource = (action: string) =>
  isEc2Read(action) || /^pricing:(GetProducts|GetAttributeValues)$/.test(action);

function statementViolations(fn: FunctionView, statement: Statement, stage: string): string[] {
  const actions = actionsOf(statement);
  const resources = resourcesOf(statement);
  const found: string[] = [];
  for (const action of actions.filter((a) => a.includes("*")))
    found.push(`${fn.name}: wildcard action ${action}`);
  if (resources.includes("*") && !actions.every(takesNoResource))
    found.push(
      `${fn.name}: Resource "*" for ${actions.join(", ")} (only EC2 reads and the Price List take no resource)`,
    );
  if (
    actions.some((a) => a.startsWith("logs:")) &&
    !resources.every((r) => r.includes(`:log-group:/aws/lambda/${fn.functionName}:`))
  )
    found.push(`${fn.name}: writes logs outside its own log group`);
  if (actions.includes("iam:PassRole")) found.push(...passRoleViolations(fn.name, statement));
  found.push(...ec2Violations(statement, stage).map((v) => `${fn.name}: ${v}`));
  return found;
}

function passRoleViolations(name: string, statement: Statement): string[] {
  const wide = resourcesOf(statement).filter((r) => r.includes("*"));
  const service = statement.Condition?.StringEquals?.["iam:PassedToService"];
  return [
    ...wide.map((r) => `${name}: iam:PassRole on ${r} (name the role)`),
    ...(service === undefined ? [`${name}: iam:PassRole without iam:PassedToService`] : []),
  ];
}

/** The routes without IAM authorization: no EC2 mutation, no write to the pool's secrets. */
function openFunctionViolations(fn: FunctionView): string[] {
  const allowed = fn.statements.filter((s) => s.Effect === "Allow");
  const mutations = allowed.flatMap(actionsOf).filter(isEc2Mutation);
  const secretWrites = allowed.flatMap((s) =>
    actionsOf(s)
      .filter((a) => /^s3:(Put|Delete|\*)/.test(a) || a === "*")
      .flatMap((a) =>
        resourcesOf(s)
          .filter(coversSecrets)
          .map((r) => `${a} on ${r}`),
      ),
  );
  return [
    ...mutations.map((a) => `${fn.name} (open: ${fn.openRoutes.join(", ")}): may call ${a}`),
    ...secretWrites.map(
      (w) => `${fn.name} (open: ${fn.openRoutes.join(", ")}): may write secrets (${w})`,
    ),
  ];
}

/** Whether an S3 resource pattern covers a key under pool/secrets/. */
function coversSecrets(resource: string): boolean {
  if (resource === "*") return true;
  if (!resource.startsWith(`${BUCKET}/`)) return false;
  const pattern = resource.slice(BUCKET.length + 1);
  const regex = new RegExp(
    `^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`,
  );
  return regex.test("pool/secrets/x") || pattern.startsWith("pool/secrets/");
}
