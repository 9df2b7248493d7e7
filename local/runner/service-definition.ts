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

/** An `sqs` event: the queue (its logical id) and how Lambda's event source mapping polls it. */
export interface QueueTrigger {
  queue: string;
  batchSize: number;
  /** At most this many invocations at once (the mapping's ScalingConfig). */
  maximumConcurrency: number;
  /** The function answers `batchItemFailures`: only those messages are delivered again. */
  reportBatchItemFailures: boolean;
}

/** An `AWS::SQS::Queue` resource, as the local AWS creates it. */
export interface QueueResource {
  logicalId: string;
  name: string;
  /** CreateQueue's attributes; a RedrivePolicy names its dead-letter queue by logical id. */
  attributes: Record<string, string>;
  deadLetterQueue?: { logicalId: string; maxReceiveCount: number };
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
  queueTriggers: QueueTrigger[];
  /** Variables whose value is a CloudFormation intrinsic (`!Ref Queue`), kept as written. */
  intrinsicEnvironment: Record<string, Intrinsic>;
}

/** A CloudFormation intrinsic as the YAML reader keeps it: `{ "Fn::Ref": "DueAnnexesQueue" }`. */
export type Intrinsic = Record<string, unknown>;

export interface ServiceDefinition {
  service: string;
  environmentKeys: string[];
  functions: FunctionDefinition[];
  /** The `Properties` of the AnnexTable resource (CreateTable-shaped). */
  tableProperties: Record<string, unknown>;
  queues: QueueResource[];
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

/** Parses serverless.yml at `path`, for the stage `stage` (the names of its resources). */
export function readServiceDefinition(path = "serverless.yml", stage = "local"): ServiceDefinition {
  const doc = parse(readFileSync(path, "utf8"), {
    customTags: cloudFormationTags,
  }) as ServerlessYaml;
  const defaultTimeout = doc.provider.timeout ?? 6;
  // The few variables the runner meets: the service, the stage, the stage parameters' defaults.
  const resolve = (text: string) =>
    text.replace(/\$\{(self:service|sls:stage|param:[A-Za-z]+)\}/g, (_, name: string) =>
      name === "self:service"
        ? doc.service
        : name === "sls:stage"
          ? stage
          : String(doc.params?.default?.[name.slice("param:".length)]),
    );
  const functions = Object.entries(doc.functions).map(([name, fn]): FunctionDefinition => {
    const [module = "", exportName = "handler"] = splitHandler(fn.handler);
    const events = fn.events ?? [];
    return {
      name,
      module,
      exportName,
      timeoutSeconds: fn.timeout ?? defaultTimeout,
      environment: Object.fromEntries(
        Object.entries(fn.environment ?? {})
          .filter(([, v]) => typeof v !== "object")
          .map(([k, v]) => [k, String(v)]),
      ),
      intrinsicEnvironment: Object.fromEntries(
        Object.entries(fn.environment ?? {}).filter(
          (entry): entry is [string, Intrinsic] =>
            typeof entry[1] === "object" && entry[1] !== null,
        ),
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
      queueTriggers: events.flatMap((event) =>
        event.sqs ? [queueTrigger(event.sqs, resolve)] : [],
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
    queues: queuesOf(doc.resources.Resources, resolve),
    instanceProfileResource: "InstanceProfile",
  };
}

/** The logical id a `!GetAtt X.Arn` or `!Ref X` names. */
function logicalIdOf(value: unknown): string {
  const intrinsic = (value ?? {}) as { "Fn::GetAtt"?: unknown; "Fn::Ref"?: unknown };
  const named = intrinsic["Fn::GetAtt"] ?? intrinsic["Fn::Ref"];
  const text = Array.isArray(named) ? String(named[0]) : String(named ?? "");
  return text.split(".")[0] ?? "";
}

function queueTrigger(event: SqsEvent, resolve: (text: string) => string): QueueTrigger {
  return {
    queue: logicalIdOf(event.arn),
    batchSize: event.batchSize ?? 10,
    maximumConcurrency: Number(resolve(String(event.maximumConcurrency ?? 1000))),
    reportBatchItemFailures: event.functionResponseType === "ReportBatchItemFailures",
  };
}

function queuesOf(
  resources: ServerlessYaml["resources"]["Resources"],
  resolve: (text: string) => string,
): QueueResource[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === "AWS::SQS::Queue")
    .map(([logicalId, { Properties: properties }]) => {
      const { QueueName, RedrivePolicy, SqsManagedSseEnabled: _, ...rest } = properties;
      const redrive = RedrivePolicy as
        | { deadLetterTargetArn: unknown; maxReceiveCount: number }
        | undefined;
      return {
        logicalId,
        name: resolve(String(QueueName ?? logicalId)),
        attributes: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])),
        ...(redrive
          ? {
              deadLetterQueue: {
                logicalId: logicalIdOf(redrive.deadLetterTargetArn),
                maxReceiveCount: redrive.maxReceiveCount,
              },
            }
          : {}),
      };
    });
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf(".");
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

interface SqsEvent {
  arn: unknown;
  batchSize?: number;
  maximumConcurrency?: number | string;
  functionResponseType?: string;
}

interface ServerlessYaml {
  service: string;
  params?: { default?: Record<string, unknown> };
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
        sqs?: SqsEvent;
      }>;
    }
  >;
  resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
}
