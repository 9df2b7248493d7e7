/**
 * A tick with more due annexes than one sweep ends (here: more than 2) hands them to the
 * end-annexes workers through the local SQS, and the local runner's event source mapping invokes
 * the real handler with them, as Lambda does; a batch the workers keep failing ends in the
 * dead-letter queue, which the hourly sweep reports, and its annexes are handed out again.
 */

import { readFileSync } from "node:fs";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { type EnforcementStack, startEnforcementStack } from "./helpers.ts";

let s: EnforcementStack;
let sqs: SQSClient;
beforeAll(async () => {
  s = await startEnforcementStack({ ANNEX_SWEEP_INLINE_ANNEXES: "2" });
  sqs = new SQSClient({ endpoint: s.stack.awsEndpoint });
});
afterAll(async () => {
  sqs.destroy();
  await s.stack.stop();
});
afterEach(() => s.control.resetFaults());

/** The queue's visibility timeout (serverless.yml): a failed batch comes back after it. */
const VISIBILITY_SECONDS = 360;
const gone = (state: string) => state === "shutting-down" || state === "terminated";

async function createMany(prefix: string, count: number) {
  const made: Array<{ annex: Annex; ids: string[] }> = [];
  for (let i = 0; i < count; i++)
    made.push(await s.create(`${prefix}${i}`, { count: 2, durationHours: 0.1, idleHours: 0.1 }));
  return made;
}

const visible = async (variable: string) => {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: s.stack.environment[variable],
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
};

describe("a large tick, handed to the workers", () => {
  it("is ended by the end-annexes workers through the queue, each annex once", async () => {
    const made = await createMany("Fan", 5);
    const lease = Math.max(...made.map(({ annex }) => annex.leaseExpiresAt));
    const report = await s.sweep(lease + 1);
    expect(report).toMatchObject({ annexesHandedOff: 5, failures: 0 });
    await s.stack.queuesIdle();
    for (const { annex, ids } of made) {
      expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
      expect(ids.map(s.ec2State).every(gone)).toBe(true);
      expect((await s.eventTypes(annex.id)).filter((type) => type === "expired")).toHaveLength(1);
      for (const id of ids) expect((await s.record(annex.id, id)).endedAt).toBeDefined();
    }
    expect(await visible("ANNEX_DUE_DLQ_URL")).toBe(0);
  });

  it("answers the sample event (events/sqs): annexes it does not know are done, an unreadable body is delivered again", async () => {
    const event = JSON.parse(readFileSync("events/sqs/end-annexes.json", "utf8"));
    const answer = await s.stack.invoke("end-annexes", event);
    expect(answer).toEqual({
      batchItemFailures: [{ itemIdentifier: event.Records[1].messageId }],
    });
  });

  it("keeps a batch the workers failed three times in the dead-letter queue; the sweep reports it and hands its annexes out again", {
    timeout: 60_000,
  }, async () => {
    const made = await createMany("Dead", 3);
    const lease = Math.max(...made.map(({ annex }) => annex.leaseExpiresAt));
    s.control.setErrorRate(1, { actions: ["TerminateInstances"] });
    expect((await s.sweep(lease + 1)).annexesHandedOff).toBe(3);
    for (let delivery = 1; delivery <= 3; delivery++) {
      await s.stack.queuesIdle();
      for (const { annex } of made) expect((await s.annex(annex.id)).state).toBe("stopping");
      s.moveTo(s.now() + VISIBILITY_SECONDS + 1); // the failed batch is visible again
    }
    await s.stack.queuesIdle(); // the fourth receive moves it to the dead-letter queue
    expect(await visible("ANNEX_DUE_DLQ_URL")).toBe(1);
    expect(await visible("ANNEX_DUE_QUEUE_URL")).toBe(0);
    for (const { annex } of made)
      expect(await s.eventTypes(annex.id)).toContain("enforcement-failed");

    s.control.resetFaults();
    const hourly = await s.sweep(s.now() + 3600);
    expect(hourly).toMatchObject({ fullSweep: true, deadLetters: 1, annexesHandedOff: 3 });
    await s.stack.queuesIdle();
    for (const { annex, ids } of made) {
      expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
      expect(ids.map(s.ec2State).every(gone)).toBe(true);
    }
  });
});
