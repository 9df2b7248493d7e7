/**
 * SQS for the local endpoint, in the AWS JSON 1.0 protocol the SDK speaks to SQS
 * (`X-Amz-Target: AmazonSQS.<Operation>`; errors carry SQS's query-compatible codes too): queues
 * (CreateQueue, GetQueueUrl, ListQueues, GetQueueAttributes) and messages (SendMessage(Batch),
 * ReceiveMessage with long polling, DeleteMessage(Batch), ChangeMessageVisibility). A queue is
 * named by the last part of its URL's path (`/<account>/<name>`), whatever host the URL names.
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../clock.ts";
import { readBody } from "../ec2/protocol/http.ts";
import { sendAwsError } from "./errors.ts";
import {
  batchEntries,
  bounded,
  LIMITS,
  MAX_BATCH_BYTES,
  missing,
  noSuchQueue,
  queueSettings,
  SqsError,
} from "./sqs-checks.ts";
import { md5Of, type Queue, QueueStore } from "./sqs-queues.ts";
import { attributesOf, pick, receiveLongPolling } from "./sqs-receive.ts";

type Body = Record<string, unknown>;
type Operation = (body: Body, host: string) => Promise<unknown> | unknown;

export interface LocalSqs {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every long poll in flight (they answer with no messages). */
  close(): void;
}

/** Starts SQS for one account and region on the local AWS's clock. */
export function startSqs(clock: Clock, accountId: string, region: string): LocalSqs {
  const store = new QueueStore(clock, accountId, region);
  const polls = receiveLongPolling(store);
  const queueOf = (body: Body): Queue => {
    if (typeof body.QueueUrl !== "string" || body.QueueUrl === "") throw missing("QueueUrl");
    const name = new URL(body.QueueUrl, "http://local").pathname.split("/").pop() ?? "";
    const queue = store.get(name);
    if (queue === undefined) throw noSuchQueue();
    return queue;
  };
  const urlOf = (name: string, host: string) => `http://${host}/${accountId}/${name}`;
  const send = (queue: Queue, text: string, delay: unknown) =>
    store.send(
      queue,
      text,
      bounded(delay, queue.settings.DelaySeconds, LIMITS.DelaySeconds, "DelaySeconds"),
    );

  const operations: Record<string, Operation> = {
    CreateQueue(body, host) {
      const name = String(body.QueueName ?? "");
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
        throw new SqsError(
          "InvalidParameterValue",
          "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        );
      const settings = queueSettings((body.Attributes ?? {}) as Record<string, string>);
      const existing = store.get(name);
      if (existing && JSON.stringify(existing.settings) !== JSON.stringify(settings))
        throw new SqsError(
          "QueueNameExists",
          "A queue already exists with the same name and a different value for attribute(s)",
          "QueueAlreadyExists",
        );
      return { QueueUrl: urlOf(store.create(name, settings).name, host) };
    },
    GetQueueUrl(body, host) {
      const queue = store.get(String(body.QueueName ?? ""));
      if (queue === undefined) throw noSuchQueue();
      return { QueueUrl: urlOf(queue.name, host) };
    },
    ListQueues(body, host) {
      const prefix = String(body.QueueNamePrefix ?? "");
      const names = store.names().filter((name) => name.startsWith(prefix));
      return { QueueUrls: names.map((name) => urlOf(name, host)) };
    },
    GetQueueAttributes(body) {
      const queue = queueOf(body);
      return { Attributes: pick(attributesOf(store, queue), body.AttributeNames) };
    },
    SendMessage(body) {
      const queue = queueOf(body);
      const [entry = { Id: "" }] = batchEntries([{ ...body, Id: "message" }], "MessageBody");
      const text = String(entry.MessageBody);
      if (Buffer.byteLength(text) > MAX_BATCH_BYTES) throw tooLong();
      return { MessageId: send(queue, text, entry.DelaySeconds), MD5OfMessageBody: md5Of(text) };
    },
    SendMessageBatch(body) {
      const queue = queueOf(body);
      const entries = batchEntries(body.Entries, "MessageBody");
      const bytes = entries.reduce((sum, e) => sum + Buffer.byteLength(String(e.MessageBody)), 0);
      if (bytes > MAX_BATCH_BYTES) throw tooLong();
      const Successful = entries.map((entry) => {
        const text = String(entry.MessageBody);
        const MessageId = send(queue, text, entry.DelaySeconds);
        return { Id: entry.Id, MessageId, MD5OfMessageBody: md5Of(text) };
      });
      return { Successful, Failed: [] };
    },
    async ReceiveMessage(body) {
      const queue = queueOf(body);
      const settings = queue.settings;
      const max = bounded(
        body.MaxNumberOfMessages,
        1,
        LIMITS.MaxNumberOfMessages,
        "MaxNumberOfMessages",
      );
      const visibility = bounded(
        body.VisibilityTimeout,
        settings.VisibilityTimeout,
        LIMITS.VisibilityTimeout,
        "VisibilityTimeout",
      );
      const wait = bounded(
        body.WaitTimeSeconds,
        settings.ReceiveMessageWaitTimeSeconds,
        LIMITS.ReceiveMessageWaitTimeSeconds,
        "WaitTimeSeconds",
      );
      const messages = await polls.receive(queue, max, visibility, wait);
      const wanted = [
        ...((body.AttributeNames ?? []) as string[]),
        ...((body.MessageSystemAttributeNames ?? []) as string[]),
      ];
      return {
        Messages: messages.map((message) => ({
          ...message,
          Attributes: pick(message.Attributes, wanted),
        })),
      };
    },
    DeleteMessage(body) {
      store.delete(queueOf(body), String(body.ReceiptHandle ?? ""));
      return {};
    },
    DeleteMessageBatch(body) {
      const queue = queueOf(body);
      const Successful: Array<{ Id: string }> = [];
      const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
      for (const entry of batchEntries(body.Entries, "ReceiptHandle")) {
        try {
          store.delete(queue, String(entry.ReceiptHandle));
          Successful.push({ Id: entry.Id });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          Failed.push({
            Id: entry.Id,
            SenderFault: true,
            Code: error.code,
            Message: error.message,
          });
        }
      }
      return { Successful, Failed };
    },
    ChangeMessageVisibility(body) {
      const seconds = bounded(
        body.VisibilityTimeout,
        undefined,
        LIMITS.VisibilityTimeout,
        "VisibilityTimeout",
      );
      store.changeVisibility(queueOf(body), String(body.ReceiptHandle ?? ""), seconds);
      return {};
    },
  };

  return {
    async handle(req, res) {
      const target = req.headers["x-amz-target"];
      if (target === undefined) return sendAwsError(req, res, 400, "InvalidAction", QUERY_REFUSED);
      const operation = String(target).replace(/^AmazonSQS\./, "");
      try {
        const run = operations[operation];
        if (run === undefined)
          throw new SqsError(
            "InvalidAction",
            `The action ${operation} is not valid for this endpoint.`,
            "AWS.SimpleQueueService.InvalidAction",
          );
        const text = await readBody(req);
        const body = (text === "" ? {} : JSON.parse(text)) as Body;
        if (typeof body !== "object" || body === null || Array.isArray(body))
          throw new SqsError("InvalidParameterValue", "The request body must be a JSON object.");
        answer(res, await run(body, req.headers.host ?? "127.0.0.1"));
      } catch (error) {
        sendError(res, error);
      }
    },
    close: () => polls.close(),
  };
}

const QUERY_REFUSED =
  "The local SQS speaks AWS JSON 1.0 (X-Amz-Target: AmazonSQS.<Action>), as the AWS SDKs do; not SQS's older Query protocol.";

const tooLong = () =>
  new SqsError(
    "BatchRequestTooLong",
    `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes.`,
    "AWS.SimpleQueueService.BatchRequestTooLong",
  );

function answer(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: unknown): void {
  const known =
    error instanceof SqsError
      ? error
      : error instanceof SyntaxError
        ? new SqsError("InvalidParameterValue", error.message)
        : undefined;
  if (known === undefined) process.stderr.write(`local SQS: ${String(error)}\n`);
  const { code, queryCode, status, message } =
    known ?? new SqsError("InternalError", "The local SQS failed.", "InternalError", 500);
  const body = JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message });
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-query-error": `${queryCode};${status >= 500 ? "Receiver" : "Sender"}`,
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}
