/**
 * The SQS queues serverless.yml declares, made in the local AWS as CloudFormation would make
 * them (dead-letter queues first, redrive policies by ARN), and the `!Ref` / `!GetAtt … .Arn` of a
 * queue in a function's environment resolved to its URL / ARN.
 */

import { CreateQueueCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Intrinsic, QueueResource } from "./service-definition.ts";

export interface LocalQueue {
  name: string;
  /** The URL the handlers use: on their endpoint, `AWS_ENDPOINT_URL`. */
  url: string;
  arn: string;
}

const ACCOUNT = "000000000000";
const REGION = "us-east-1";

/** The queues by logical id, their URLs on `endpoint` (the handlers': `AWS_ENDPOINT_URL`). */
export function localQueues(resources: QueueResource[], endpoint: string): Map<string, LocalQueue> {
  return new Map(
    resources.map((resource) => [
      resource.logicalId,
      {
        name: resource.name,
        url: `${endpoint}/${ACCOUNT}/${resource.name}`,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${resource.name}`,
      },
    ]),
  );
}

/** Creates the queues (idempotent), dead-letter queues first. */
export async function createQueues(
  sqs: SQSClient,
  resources: QueueResource[],
  queues: Map<string, LocalQueue>,
): Promise<void> {
  const ordered = [...resources].sort(
    (a, b) => Number(a.deadLetterQueue !== undefined) - Number(b.deadLetterQueue !== undefined),
  );
  for (const resource of ordered) {
    const dead = resource.deadLetterQueue;
    const target = dead && queues.get(dead.logicalId);
    if (dead && target === undefined)
      throw new Error(`${resource.logicalId}: no queue ${dead.logicalId} for its dead letters`);
    const redrive = target && {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: target.arn,
        maxReceiveCount: dead?.maxReceiveCount,
      }),
    };
    await sqs.send(
      new CreateQueueCommand({
        QueueName: resource.name,
        Attributes: { ...resource.attributes, ...redrive },
      }),
    );
  }
}

/** A function's variable written as an intrinsic: a queue's URL (`!Ref`) or ARN (`!GetAtt`). */
export function resolveQueueValue(
  name: string,
  value: Intrinsic,
  queues: Map<string, LocalQueue>,
): string {
  const ref = value["Fn::Ref"];
  const getAtt = value["Fn::GetAtt"];
  const [logicalId, attribute] =
    typeof ref === "string" ? [ref, "Url"] : String(getAtt ?? "").split(".");
  const queue = queues.get(String(logicalId));
  if (queue !== undefined && attribute === "Url") return queue.url;
  if (queue !== undefined && attribute === "Arn") return queue.arn;
  throw new Error(
    `serverless.yml gives ${name} a CloudFormation value the local runner cannot resolve: ${JSON.stringify(value)}`,
  );
}
