/**
 * The factory for functions an SQS queue triggers (Lambda's event source mapping with
 * `ReportBatchItemFailures`): the records' bodies parsed with the function's schema, and the
 * answer that names the messages to deliver again. A body that does not parse is logged and
 * reported failed (after a few deliveries the queue keeps it in its dead-letter queue); an event
 * that is not from SQS is ignored.
 */

import type { Context, SQSBatchResponse } from "aws-lambda";
import { z } from "zod";
import { eventHandler } from "./event-handler.ts";
import { logger } from "./logger.ts";

const sqsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        messageId: z.string().min(1),
        body: z.string(),
        eventSource: z.literal("aws:sqs"),
      }),
    )
    .min(1),
});

/** One message of the batch, its body parsed. */
export interface QueueMessage<T> {
  messageId: string;
  body: T;
}

/** Builds the handler; `run` returns the ids of the messages it did not finish. */
export function queueHandler<T>(
  schema: z.ZodType<T>,
  run: (messages: QueueMessage<T>[], context: Context) => Promise<string[]>,
) {
  return eventHandler(async (event: unknown, context): Promise<SQSBatchResponse> => {
    const parsed = sqsEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.warn("ignored an event this function does not handle", {
        issues: parsed.error.issues.length,
      });
      return { batchItemFailures: [] };
    }
    const messages: QueueMessage<T>[] = [];
    const unreadable: string[] = [];
    for (const record of parsed.data.Records) {
      const body = schema.safeParse(parseJson(record.body));
      if (body.success) messages.push({ messageId: record.messageId, body: body.data });
      else unreadable.push(record.messageId);
    }
    if (unreadable.length > 0)
      logger.warn("messages this function cannot read; left for the dead-letter queue", {
        messageIds: unreadable,
      });
    const failed = messages.length > 0 ? await run(messages, context) : [];
    return {
      batchItemFailures: [...unreadable, ...failed].map((itemIdentifier) => ({ itemIdentifier })),
    };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
