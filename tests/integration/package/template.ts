/** The generated CloudFormation template as the policy rules see it: functions, their roles and routes. */

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface FunctionView {
  name: string;
  logicalId: string;
  functionName: string;
  role: string;
  statements: Statement[];
  /** Route keys (`POST /bootstrap`) that reach this function without IAM authorization. */
  openRoutes: string[];
  /** Whether an event source mapping (an `sqs` event) polls a queue for it, in its role's name. */
  polled: boolean;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export const actionsOf = (statement: Statement): string[] => list(statement.Action);

/** A resource or condition value as a string: intrinsics become `${Name}` / `${Name.Attr}`. */
export function render(value: unknown): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  const v = value as Record<string, unknown>;
  if (Array.isArray(v["Fn::GetAtt"])) return `\${${(v["Fn::GetAtt"] as string[]).join(".")}}`;
  if (typeof v.Ref === "string") return `\${${v.Ref}}`;
  const sub = v["Fn::Sub"];
  if (sub !== undefined) return render(Array.isArray(sub) ? sub[0] : sub);
  const join = v["Fn::Join"] as [string, unknown[]] | undefined;
  if (join) return join[1].map(render).join(join[0]);
  return JSON.stringify(value);
}

export const resourcesOf = (statement: Statement): string[] =>
  list(statement.Resource as unknown).map(render);

/** Every Lambda function of the template with its role's statements and its open routes. */
export function functionsOf(template: Template, service: string, stage: string): FunctionView[] {
  const resources = Object.entries(template.Resources);
  return resources
    .filter(([, resource]) => resource.Type === "AWS::Lambda::Function")
    .map(([logicalId, resource]) => {
      const functionName = String(resource.Properties.FunctionName);
      const role = render(resource.Properties.Role).replace(/^\$\{(.*)\.Arn\}$/, "$1");
      const policies = (template.Resources[role]?.Properties.Policies ?? []) as Array<{
        PolicyDocument: { Statement: Statement[] };
      }>;
      return {
        name: functionName.replace(`${service}-${stage}-`, ""),
        logicalId,
        functionName,
        role,
        statements: policies.flatMap((policy) => policy.PolicyDocument.Statement),
        openRoutes: openRoutesTo(template, logicalId),
        polled: resources.some(
          ([, r]) =>
            r.Type === "AWS::Lambda::EventSourceMapping" &&
            render(r.Properties.FunctionName) === `\${${logicalId}.Arn}`,
        ),
      };
    });
}

function openRoutesTo(template: Template, functionLogicalId: string): string[] {
  const resources = template.Resources;
  return Object.values(resources)
    .filter(
      (r) => r.Type === "AWS::ApiGatewayV2::Route" && r.Properties.AuthorizationType !== "AWS_IAM",
    )
    .filter((route) => {
      const integration = render(route.Properties.Target)
        .replace("integrations/${", "")
        .replace("}", "");
      return (
        render(resources[integration]?.Properties.IntegrationUri) === `\${${functionLogicalId}.Arn}`
      );
    })
    .map((route) => String(route.Properties.RouteKey));
}

/** The route keys of the API, with whether IAM authorizes them. */
export function routesOf(template: Template): Array<{ key: string; iam: boolean }> {
  return Object.values(template.Resources)
    .filter((r) => r.Type === "AWS::ApiGatewayV2::Route")
    .map((r) => ({
      key: String(r.Properties.RouteKey),
      iam: r.Properties.AuthorizationType === "AWS_IAM",
    }));
}

/** The statements of a function's role, to widen in place (fixtures). */
export function statementsOfFunction(template: Template, name: string): Statement[] {
  const fn = Object.values(template.Resources).find(
    (r) =>
      r.Type === "AWS::Lambda::Function" && String(r.Properties.FunctionName).endsWith(`-${name}`),
  );
  const role = render(fn?.Properties.Role).replace(/^\$\{(.*)\.Arn\}$/, "$1");
  const policies = template.Resources[role]?.Properties.Policies as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  const [first] = policies;
  if (first === undefined) throw new Error(`${name} has no role policy`);
  return first.PolicyDocument.Statement;
}
