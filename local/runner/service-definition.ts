/** Reads serverless.yml: the functions, their events, and the CloudFormation table, as the local runner needs them. */

import { readFileSync } from "node:fs";
import { parse, type Tags } from "yaml";

export interface HttpRoute {
  method: string;
  path: string;
  iam: boolean;
}

export interface EventPattern {
  source?: string[];
  "detail-type"?: string[];
}

export interface FunctionDefinition {
  name: string;
  /** Module path relative to the project root, without extension, e.g. `functions/health`. */
  module: string;
  exportName: string;
  timeoutSeconds: number;
  /** The function's own environment variables (on top of the provider's). */
  environment: Record<string, string>;
  http: HttpRoute[];
  schedule: boolean;
  eventPatterns: EventPattern[];
}

export interface ServiceDefinition {
  service: string;
  environmentKeys: string[];
  functions: FunctionDefinition[];
  /** The `Properties` of the AnnexTable resource (CreateTable-shaped). */
  tableProperties: Record<string, unknown>;
  instanceProfileResource: string;
}

// CloudFormation's short-form intrinsics, kept as opaque values: the runner resolves what it needs itself.
const cloudFormationTags: Tags = [
  "Ref",
  "GetAtt",
  "Sub",
  "Join",
  "Select",
  "Split",
  "If",
  "Equals",
].flatMap((name) =>
  (["scalar", "seq", "map"] as const).map((collection) => ({
    tag: `!${name}`,
    collection: collection === "scalar" ? undefined : collection,
    resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
  })),
) as unknown as Tags;

/** Parses serverless.yml at `path`. */
export function readServiceDefinition(path = "serverless.yml"): ServiceDefinition {
  const doc = parse(readFileSync(path, "utf8"), {
    customTags: cloudFormationTags,
  }) as ServerlessYaml;
  const defaultTimeout = doc.provider.timeout ?? 6;
  const functions = Object.entries(doc.functions).map(([name, fn]): FunctionDefinition => {
    const [module = "", exportName = "handler"] = splitHandler(fn.handler);
    const events = fn.events ?? [];
    return {
      name,
      module,
      exportName,
      timeoutSeconds: fn.timeout ?? defaultTimeout,
      environment: Object.fromEntries(
        Object.entries(fn.environment ?? {}).map(([k, v]) => [k, String(v)]),
      ),
      http: events.flatMap((event) =>
        event.httpApi
          ? [
              {
                method: event.httpApi.method.toUpperCase(),
                path: event.httpApi.path,
                iam: event.httpApi.authorizer?.type === "aws_iam",
              },
            ]
          : [],
      ),
      schedule: events.some((event) => event.schedule !== undefined),
      eventPatterns: events.flatMap((event) =>
        event.eventBridge ? [event.eventBridge.pattern] : [],
      ),
    };
  });
  const table = doc.resources.Resources.AnnexTable;
  if (table === undefined) throw new Error("serverless.yml declares no AnnexTable resource");
  return {
    service: doc.service,
    environmentKeys: Object.keys(doc.provider.environment ?? {}),
    functions,
    tableProperties: table.Properties,
    instanceProfileResource: "InstanceProfile",
  };
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf(".");
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

interface ServerlessYaml {
  service: string;
  provider: { timeout?: number; environment?: Record<string, unknown> };
  functions: Record<
    string,
    {
      handler: string;
      timeout?: number;
      environment?: Record<string, unknown>;
      events?: Array<{
        httpApi?: { method: string; path: string; authorizer?: { type?: string } };
        schedule?: unknown;
        eventBridge?: { pattern: EventPattern };
      }>;
    }
  >;
  resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
}
