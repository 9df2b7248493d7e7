/**
 * The due-work queue over SQS: batches of due annex ids as JSON messages, ten to a
 * SendMessageBatch call; the dead-letter queue's depth from GetQueueAttributes.
 */

import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { chunks } from "../../domain/lists.ts";
import type { DueBatch, DueWork } from "../../ports/due-work.ts";

/** SQS's most entries in one SendMessageBatch. */
const ENTRIES_PER_CALL = 10;

export class SqsDueWork implements DueWork {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: { queueUrl: string; deadLetterQueueUrl: string },
    readonly inlineLimit: number,
  ) {}

  /** Sends every batch; entries SQS failed are sent once more, then the call fails. */
  async dispatch(batches: readonly DueBatch[]): Promise<void> {
    for (const group of chunks(batches, ENTRIES_PER_CALL)) {
      let entries: SendMessageBatchRequestEntry[] = group.map((batch, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(batch),
      }));
      for (let attempt = 1; entries.length > 0; attempt++) {
        const result = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queues.queueUrl, Entries: entries }),
        );
        const failed = new Set((result.Failed ?? []).map((entry) => entry.Id));
        entries = entries.filter((entry) => failed.has(entry.Id));
        if (entries.length > 0 && attempt >= 2)
          throw new Error(`SQS did not take ${entries.length} batch(es) of due annexes`);
      }
    }
  }

  async deadLetters(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queues.deadLetterQueueUrl,
        AttributeNames: ["ApproximateNumberOfMessages"],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}
