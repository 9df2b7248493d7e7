/**
 * The local stack: the local AWS, the table and bucket CloudFormation would create, the HTTP
 * API, the scheduled functions on a tick, and EC2 events routed to their handler — all on the
 * same handlers that run in Lambda. One stack per process (handlers read the environment).
 */

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type LocalAws, type LocalAwsOptions, startLocalAws } from "./aws/server.ts";
import { type InstanceSimulator, startInstanceSimulator } from "./instances/index.ts";
import { startHttpApi } from "./runner/http-api.ts";
import { LOCAL_ACCOUNT, localAdmins } from "./runner/iam.ts";
import { createInvoker, type Invoker } from "./runner/invoke.ts";
import { type QueuePollers, startQueuePollers } from "./runner/queue-poller.ts";
import { createQueues, type LocalQueue, localQueues, resolveQueueValue } from "./runner/queues.ts";
import { reportInvocationError, startScheduler } from "./runner/scheduler.ts";
import { type FunctionDefinition, readServiceDefinition } from "./runner/service-definition.ts";
import { upgradeTable } from "./table-upgrade.ts";

export interface LocalStackOptions {
  /** Port of the local AWS; 0 picks a free one. Default 4566. */
  awsPort?: number;
  /** Port of the HTTP API; 0 picks a free one. Default 3000. */
  apiPort?: number;
  /** Where state persists (default `.annex`, relative to `root`); ignored when `inMemory`. */
  dataDir?: string;
  inMemory?: boolean;
  /** Seconds between runs of the scheduled functions; 0 runs them only when asked. Default 10. */
  tickSeconds?: number;
  ec2?: LocalAwsOptions["ec2"];
  /**
   * The stage's administrators, who alone may run setup: local user names (the CLI sends the OS
   * user) or IAM ARNs. Default: `ANNEX_ADMINS` (comma-separated), else the user running this.
   */
  admins?: string[];
  /**
   * How many EventBridge-delivered invocations of one function run at once; the rest wait, as in
   * Lambda's asynchronous queue. Default 10, a new AWS account's concurrency.
   */
  eventConcurrency?: number;
  /** Extra environment for the handlers (e.g. shorter boot grace). */
  environment?: Record<string, string>;
  /** Project root (where serverless.yml is). Default: the current directory. */
  root?: string;
  /**
   * Run each launched instance's real user-data script in a sandbox (bootstrap, heartbeat,
   * idle power-off), as `npm start` does. Off by default in tests that drive instances themselves.
   */
  simulateInstances?: false | { heartbeatSeconds?: number };
}

export interface LocalStack extends Invoker {
  apiUrl: string;
  awsEndpoint: string;
  aws: LocalAws;
  /** The instance simulator, when `simulateInstances` is on. */
  instances?: InstanceSimulator;
  /** The environment the handlers run with (also set on process.env). */
  environment: Record<string, string>;
  /** Runs every scheduled function once now, as one tick would. */
  runScheduled(): Promise<void>;
  /** Resolves once the queue-triggered functions have taken and finished every waiting message. */
  queuesIdle(): Promise<void>;
  /** Resolves once EventBridge's deliveries (EC2 events) so far have been handled. */
  eventsIdle(): Promise<void>;
  stop(): Promise<void>;
}

export const LOCAL_NAMES = {
  stage: "local",
  table: "cloud-annex-local",
  bucket: "cloud-annex-local-config",
  instanceProfile: "cloud-annex-local-instance",
  instanceRole: "cloud-annex-local-instance-role",
  functionPrefix: "cloud-annex-local-",
} as const;

/** A new AWS account's Lambda concurrency: the runner's bound on one function's queued events. */
const EVENT_CONCURRENCY = 10;

let started = false;

/**
 * Starts everything `npm start` runs; tests start it in memory on free ports. Once per process:
 * handler modules, like Lambda containers, keep the clients and settings they built at first use.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (started) {
    throw new Error(
      "a local stack was already started in this process: start each stack in its own process",
    );
  }
  started = true;
  const root = resolve(options.root ?? process.cwd());
  // Resolved once: every process the stack starts (simulated instances) runs elsewhere.
  const dataDir = resolve(root, options.dataDir ?? ".annex");
  const definition = readServiceDefinition(join(root, "serverless.yml"), LOCAL_NAMES.stage);
  const aws = await startLocalAws({
    port: options.awsPort ?? 4566,
    dataDir: join(dataDir, "aws"),
    inMemory: options.inMemory,
    ec2: options.ec2,
  });
  try {
    const apiPort = options.apiPort ?? 3000;
    const admins = options.admins ?? process.env.ANNEX_ADMINS?.split(",") ?? [userInfo().username];
    const environment = handlerEnvironment(definition.functions, aws, apiPort, {
      ANNEX_ADMINS: admins.join(","),
      ...options.environment,
    });
    // Queue URLs on the handlers' endpoint (a test may put a tap in between).
    const queues = localQueues(definition.queues, environment.AWS_ENDPOINT_URL ?? aws.endpoint);
    Object.assign(environment, queueVariables(definition.functions, queues));
    // The runner's stand-in for IAM: local user names become the ARNs its API gives callers.
    environment.ANNEX_ADMINS = localAdmins((environment.ANNEX_ADMINS ?? "").split(","));
    const missing = definition.environmentKeys.filter((key) => !(key in environment));
    if (missing.length > 0) throw new Error(`local stack sets no value for ${missing.join(", ")}`);
    Object.assign(process.env, environment);

    await createTableAndBucket(definition.tableProperties);
    const sqs = new SQSClient({});
    await createQueues(sqs, definition.queues, queues);
    for (const fn of definition.functions)
      aws.controlPlane.addFunction(`${LOCAL_NAMES.functionPrefix}${fn.name}`);
    aws.controlPlane.addInstanceProfile(LOCAL_NAMES.instanceProfile, LOCAL_NAMES.instanceRole);

    const invoker = createInvoker(root, definition.functions);
    const api = await startHttpApi(definition.functions, invoker, apiPort);
    if (apiPort === 0) {
      environment.ANNEX_API_URL = api.url;
      process.env.ANNEX_API_URL = api.url;
    }
    const scheduler = startScheduler(definition.functions, invoker, aws.ec2, {
      tickSeconds: options.tickSeconds ?? 10,
      eventConcurrency: options.eventConcurrency ?? EVENT_CONCURRENCY,
    });
    const pollers = startPollers(aws, definition.functions, queues, invoker);
    const simulate = options.simulateInstances;
    const sandboxRoot = simulate ? await sandboxFolder(dataDir, options.inMemory) : undefined;
    const instances =
      simulate && sandboxRoot
        ? await startInstanceSimulator({
            awsEndpoint: aws.endpoint,
            sandboxRoot,
            heartbeatSeconds: simulate.heartbeatSeconds,
            clock: options.ec2?.clock,
          })
        : undefined;
    return {
      apiUrl: api.url,
      awsEndpoint: aws.endpoint,
      aws,
      instances,
      environment,
      invoke: invoker.invoke,
      runScheduled: scheduler.runOnce,
      queuesIdle: () => pollers.idle(),
      eventsIdle: () => scheduler.eventsIdle(),
      async stop() {
        await instances?.stop();
        await pollers.stop();
        sqs.destroy();
        await scheduler.stop();
        await api.stop();
        await aws.stop();
        // In memory, nothing is kept: not even the sandboxes' copies of the pool secret.
        if (options.inMemory && sandboxRoot)
          await rm(sandboxRoot, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}

/** The functions' variables that name a queue (`!Ref` / `!GetAtt`), as local values. */
function queueVariables(
  functions: FunctionDefinition[],
  queues: Map<string, LocalQueue>,
): Record<string, string> {
  return Object.fromEntries(
    functions.flatMap((fn) =>
      Object.entries(fn.intrinsicEnvironment).map(([name, value]) => [
        name,
        resolveQueueValue(name, value, queues),
      ]),
    ),
  );
}

/** Lambda's event source mappings: pollers on the local AWS itself (they are AWS's, not ours). */
function startPollers(
  aws: LocalAws,
  functions: FunctionDefinition[],
  queues: Map<string, LocalQueue>,
  invoker: Invoker,
): QueuePollers {
  const client = new SQSClient({ endpoint: aws.endpoint });
  const polled = functions.flatMap((fn) =>
    fn.queueTriggers.map((trigger) => {
      const queue = queues.get(trigger.queue);
      if (queue === undefined) throw new Error(`${fn.name}: no queue ${trigger.queue}`);
      return {
        function: fn.name,
        trigger,
        url: `${aws.endpoint}/000000000000/${queue.name}`,
        arn: queue.arn,
      };
    }),
  );
  const pollers = startQueuePollers(client, polled, invoker, reportInvocationError);
  return {
    idle: () => pollers.idle(),
    async stop() {
      await pollers.stop();
      client.destroy();
    },
  };
}

/** Where simulated instances keep their sandboxes: under the data folder, or a temporary one. */
async function sandboxFolder(dataDir: string, inMemory = false): Promise<string> {
  if (inMemory) return mkdtemp(join(tmpdir(), "annex-instances-"));
  const folder = join(dataDir, "instances");
  await mkdir(folder, { recursive: true });
  return folder;
}

function handlerEnvironment(
  functions: FunctionDefinition[],
  aws: LocalAws,
  apiPort: number,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...functionEnvironment(functions),
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    ANNEX_TABLE: LOCAL_NAMES.table,
    ANNEX_BUCKET: LOCAL_NAMES.bucket,
    ANNEX_STAGE: LOCAL_NAMES.stage,
    ANNEX_INSTANCE_PROFILE: LOCAL_NAMES.instanceProfile,
    ANNEX_INSTANCE_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${LOCAL_NAMES.instanceRole}`,
    ANNEX_SPOT_FLEET_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/aws-ec2-spot-fleet-tagging-role`,
    ANNEX_SERVER_ID: `${LOCAL_NAMES.functionPrefix}api`,
    ANNEX_FUNCTION_PREFIX: LOCAL_NAMES.functionPrefix,
    ANNEX_FUNCTIONS: functions.map((fn) => fn.name).join(","),
    ANNEX_ACCOUNT_ID: LOCAL_ACCOUNT,
    ANNEX_API_URL: `http://127.0.0.1:${apiPort}`,
    POWERTOOLS_SERVICE_NAME: "cloud-annex",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
    NODE_OPTIONS: process.env.NODE_OPTIONS ?? "",
    ...extra,
  };
}

/**
 * The functions' own variables. Locally all handlers share one process environment, so two
 * functions may not give the same variable different values.
 */
function functionEnvironment(functions: FunctionDefinition[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const fn of functions) {
    for (const [key, value] of Object.entries(fn.environment)) {
      if (key in merged && merged[key] !== value) {
        throw new Error(
          `serverless.yml sets ${key} differently for two functions; the local runner cannot honour both`,
        );
      }
      merged[key] = value;
    }
  }
  return merged;
}

/** Creates the table from its CloudFormation definition, and the bucket, unless they exist. */
async function createTableAndBucket(tableProperties: Record<string, unknown>): Promise<void> {
  const { AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode } =
    tableProperties as never;
  const dynamodb = new DynamoDBClient({});
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: LOCAL_NAMES.table,
        AttributeDefinitions,
        KeySchema,
        GlobalSecondaryIndexes,
        BillingMode,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await upgradeTable(dynamodb, LOCAL_NAMES.table, tableProperties);
  } finally {
    dynamodb.destroy();
  }
  const s3 = new S3Client({ forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_NAMES.bucket }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
  } finally {
    s3.destroy();
  }
}
