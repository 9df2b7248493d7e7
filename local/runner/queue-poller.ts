/**
 * What Lambda's SQS event source mapping does in AWS, for each `sqs` event of serverless.yml:
 * pollers (as many as `maximumConcurrency`) long-poll the queue for up to `batchSize` messages,
 * invoke the function with them as an SQS event, and delete what it finished: every message, or
 * with `ReportBatchItemFailures` all but the `batchItemFailures` it answers (an answer that names
 * a message not in the batch fails the whole batch, as in AWS). A thrown invocation deletes
 * nothing; the messages come back after their visibility timeout, and the queue's redrive policy
 * moves a message that keeps failing to its dead-letter queue.
 */

import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Invoker } from "./invoke.ts";
import type { QueueTrigger } from "./service-definition.ts";

export interface QueuePollers {
  /**
   * Resolves once no poller holds a batch and no message is waiting in the queues, twice in a
   * row 100 ms apart (a batch just received is on its way to a poller). Messages a function
   * failed, waiting out their visibility timeout, do not count.
   */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface PolledQueue {
  function: string;
  trigger: QueueTrigger;
  url: string;
  arn: string;
}

/** Starts the pollers of every queue trigger; `report` gets the invocations that threw. */
export function startQueuePollers(
  sqs: SQSClient,
  queues: PolledQueue[],
  invoker: Invoker,
  report: (name: string, error: unknown) => void,
): QueuePollers {
  const abort = new AbortController();
  let holding = 0;
  const poll = async (queue: PolledQueue) => {
    while (!abort.signal.aborted) {
      const messages = await receive(sqs, queue, abort.signal).catch(async () => {
        if (!abort.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
        return [] as Message[];
      });
      if (messages.length === 0) continue;
      holding += 1;
      try {
        const done = await deliver(invoker, queue, messages).catch((error: unknown) => {
          report(queue.function, error);
          return [] as Message[];
        });
        await remove(sqs, queue.url, done).catch((error: unknown) => report(queue.function, error));
      } finally {
        holding -= 1;
      }
    }
  };
  const loops = queues.flatMap((queue) =>
    Array.from({ length: queue.trigger.maximumConcurrency }, () => poll(queue)),
  );
  return {
    async idle() {
      const quiet = async () =>
        holding === 0 &&
        (await Promise.all(queues.map((q) => waiting(sqs, q.url)))).every((n) => n === 0);
      for (let calm = 0; calm < 2; ) {
        calm = (await quiet()) ? calm + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop() {
      abort.abort();
      await Promise.all(loops);
    },
  };
}

/** Messages visible in the queue (waiting for a poller). */
async function waiting(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

async function receive(sqs: SQSClient, queue: PolledQueue, signal: AbortSignal) {
  const answer = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: Math.min(queue.trigger.batchSize, 10),
      WaitTimeSeconds: 20,
      MessageSystemAttributeNames: ["All"],
    }),
    { abortSignal: signal },
  );
  return answer.Messages ?? [];
}

/** Invokes the function with the batch; returns the messages it finished. */
async function deliver(invoker: Invoker, queue: PolledQueue, messages: Message[]) {
  const answer = (await invoker.invoke(queue.function, sqsEvent(queue, messages))) as {
    batchItemFailures?: Array<{ itemIdentifier?: unknown }>;
  } | null;
  if (!queue.trigger.reportBatchItemFailures) return messages;
  const failures = answer?.batchItemFailures ?? [];
  const ids = new Set(messages.map((message) => message.MessageId));
  if (!Array.isArray(failures) || failures.some((f) => !ids.has(String(f?.itemIdentifier))))
    return [];
  const failed = new Set(failures.map((failure) => String(failure.itemIdentifier)));
  return messages.filter((message) => !failed.has(message.MessageId ?? ""));
}

async function remove(sqs: SQSClient, url: string, messages: Message[]) {
  if (messages.length === 0) return;
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: messages.map((message, i) => ({
        Id: String(i),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
}

/** The event Lambda hands a function for a batch of SQS messages. */
function sqsEvent(queue: PolledQueue, messages: Message[]) {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: "aws:sqs",
      eventSourceARN: queue.arn,
      awsRegion: queue.arn.split(":")[3],
    })),
  };
}
