/** Which API routes an IAM policy of the template lets its holder invoke. */

import { actionsOf, resourcesOf, type Statement, type Template } from "./template.ts";

/** The execute-api resource a call of `routeKey` ("GET /annexes/{name}") is authorized against. */
const requestOf = (routeKey: string) => {
  const [method, path = ""] = routeKey.split(" ");
  return `$default/${method}${path.replace(/\{[^}]+\}/g, "some-name")}`;
};

/** IAM's wildcard: `*` matches any run of characters, `/` included. */
const globMatches = (pattern: string, text: string) =>
  new RegExp(`^${pattern.replace(/[.+?^$()|[\]\\{}]/g, "\\$&").replaceAll("*", ".*")}$`).test(text);

/** Whether the managed policy `policyId` allows invoking `routeKey` on this stack's API. */
export function mayInvoke(template: Template, policyId: string, routeKey: string): boolean {
  const document = template.Resources[policyId]?.Properties.PolicyDocument as
    | { Statement: Statement[] }
    | undefined;
  const prefix = "${HttpApi}/";
  return (document?.Statement ?? [])
    .filter((s) => s.Effect === "Allow" && actionsOf(s).includes("execute-api:Invoke"))
    .flatMap(resourcesOf)
    .map((arn) => arn.slice(arn.indexOf(prefix) + prefix.length))
    .some((pattern) => globMatches(pattern, requestOf(routeKey)));
}
