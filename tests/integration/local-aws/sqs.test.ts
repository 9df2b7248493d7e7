import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { ManualClock } from "../../../local/clock.ts";

let aws: LocalAws;
let sqs: SQSClient;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
let seq = 0;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0, inMemory: true, ec2: { clock } });
  sqs = new SQSClient({
    endpoint: aws.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  sqs.destroy();
  await aws.stop();
});

/** A fresh queue (and its dead-letter queue, when `maxReceiveCount` is given). */
async function queue(attributes: Record<string, string> = {}, maxReceiveCount?: number) {
  const name = `q-${++seq}`;
  let dlqUrl: string | undefined;
  if (maxReceiveCount !== undefined) {
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))).QueueUrl;
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:us-east-1:000000000000:${name}-dlq`,
      maxReceiveCount,
    });
  }
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  return { name, url: created.QueueUrl ?? "", dlqUrl: dlqUrl ?? "" };
}

const receive = async (url: string, max = 10, wait = 0) =>
  (
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ["All"],
      }),
    )
  ).Messages ?? [];

const depth = async (url: string) => {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
};

describe("local SQS (the SDK's JSON protocol)", () => {
  it("creates queues, finds them by name and lists them, idempotently", async () => {
    const { name, url } = await queue({ VisibilityTimeout: "60" });
    expect(url).toBe(`${aws.endpoint}/000000000000/${name}`);
    const again = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "60" } }),
    );
    expect(again.QueueUrl).toBe(url);
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls).toEqual([
      url,
    ]);
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "5" } })),
    ).rejects.toMatchObject({ name: "QueueNameExists" });
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" }))).rejects.toMatchObject({
      name: "QueueDoesNotExist",
    });
  });

  it("delivers a batch once each, hides what was received, and deletes by receipt handle", async () => {
    const { url } = await queue({ VisibilityTimeout: "30" });
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: ["a", "b", "c"].map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
      }),
    );
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(["m0", "m1", "m2"]);
    const first = await receive(url, 2);
    expect(first.map((m) => m.Body)).toEqual(["a", "b"]);
    expect(first[0]?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(await depth(url)).toEqual({ visible: 1, inFlight: 2 });
    const rest = await receive(url);
    expect(rest.map((m) => m.Body)).toEqual(["c"]);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: first.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: rest[0]?.ReceiptHandle }),
    );
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it("delivers a message again after its visibility timeout, or at once when it is changed to 0", async () => {
    const { url } = await queue({ VisibilityTimeout: "30" });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "again" }));
    const [first] = await receive(url);
    expect(await receive(url)).toEqual([]);
    clock.advance(31_000);
    const [second] = await receive(url);
    expect(second?.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    // The older receipt handle no longer deletes it (SQS answers success all the same).
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }),
    );
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: second?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect((await receive(url)).map((m) => m.Body)).toEqual(["again"]);
  });

  it("moves a message received more than maxReceiveCount times to the dead-letter queue", async () => {
    const { url, dlqUrl } = await queue({ VisibilityTimeout: "10" }, 2);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await receive(url)).toHaveLength(1);
      clock.advance(11_000);
    }
    expect(await receive(url)).toEqual([]);
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
    expect((await receive(dlqUrl)).map((m) => m.Body)).toEqual(["poison"]);
  });

  it("waits for a message when asked to long-poll, and answers at once when one is sent", async () => {
    const { url } = await queue();
    const started = Date.now();
    const waiting = receive(url, 1, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "woken" }));
    expect((await waiting).map((m) => m.Body)).toEqual(["woken"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses what SQS refuses, with SQS's codes", async () => {
    const { url } = await queue();
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: "x" }));
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) })),
    ).rejects.toMatchObject({ name: "TooManyEntriesInBatchRequest" });
    await expect(
      sqs.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: [...entries(1), ...entries(1)] }),
      ),
    ).rejects.toMatchObject({ name: "BatchEntryIdsNotDistinct" });
    await expect(
      sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    ).rejects.toMatchObject({ name: "InvalidParameterValue" });
    await expect(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${aws.endpoint}/000000000000/gone`, MessageBody: "x" }),
      ),
    ).rejects.toMatchObject({ name: "QueueDoesNotExist" });
    await expect(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "forged" })),
    ).rejects.toMatchObject({ name: "ReceiptHandleIsInvalid" });
    expect(await depth(url)).toEqual({ visible: 0, inFlight: 0 });
  });
});
