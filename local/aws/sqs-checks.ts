/** The local SQS's checks of parameters, with SQS's error codes, limits and words. */

import { DEFAULT_SETTINGS, type QueueSettings, SqsError } from "./sqs-queues.ts";

export { SqsError };

/** SQS's limit on a batch's message bodies together (and on one message). */
export const MAX_BATCH_BYTES = 262_144;

/** The queue SQS was asked about does not exist. */
export const noSuchQueue = () =>
  new SqsError(
    "QueueDoesNotExist",
    "The specified queue does not exist.",
    "AWS.SimpleQueueService.NonExistentQueue",
  );

export const missing = (name: string) =>
  new SqsError("MissingParameter", `The request must contain the parameter ${name}.`);

const invalid = (message: string) => new SqsError("InvalidParameterValue", message);

/** An integer parameter within SQS's bounds, or its default when absent. */
export function bounded(
  value: unknown,
  fallback: number | undefined,
  [min, max]: readonly [number, number],
  name: string,
): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw missing(name);
    return fallback;
  }
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw invalid(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}.`,
    );
  return number;
}

/** SQS's bounds of each setting, in seconds (and of maxReceiveCount). */
export const LIMITS = {
  VisibilityTimeout: [0, 43_200],
  MessageRetentionPeriod: [60, 1_209_600],
  DelaySeconds: [0, 900],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  MaxNumberOfMessages: [1, 10],
  maxReceiveCount: [1, 1000],
} as const;

/** A queue's settings from CreateQueue's `Attributes` (strings, as SQS takes them). */
export function queueSettings(attributes: Record<string, string>): QueueSettings {
  const known = new Set([...Object.keys(DEFAULT_SETTINGS), "RedrivePolicy"]);
  for (const name of Object.keys(attributes))
    if (!known.has(name)) throw invalid(`Unknown Attribute ${name}.`);
  const number = (name: Exclude<keyof QueueSettings, "RedrivePolicy">) =>
    bounded(attributes[name], DEFAULT_SETTINGS[name], LIMITS[name], name);
  const settings: QueueSettings = {
    VisibilityTimeout: number("VisibilityTimeout"),
    MessageRetentionPeriod: number("MessageRetentionPeriod"),
    DelaySeconds: number("DelaySeconds"),
    ReceiveMessageWaitTimeSeconds: number("ReceiveMessageWaitTimeSeconds"),
  };
  const redrive = attributes.RedrivePolicy;
  if (redrive === undefined) return settings;
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(redrive) as typeof policy;
  } catch {
    throw invalid(
      "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.",
    );
  }
  const target = String(policy.deadLetterTargetArn ?? "");
  if (!/^arn:aws:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(target))
    throw invalid(
      "Value for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.",
    );
  const maxReceiveCount = bounded(
    policy.maxReceiveCount,
    undefined,
    LIMITS.maxReceiveCount,
    "maxReceiveCount",
  );
  return { ...settings, RedrivePolicy: { deadLetterTargetArn: target, maxReceiveCount } };
}

/** One entry of a batch request. */
export interface Entry {
  Id: string;
  [field: string]: unknown;
}

/** A batch's entries, checked as SQS checks them: 1 to 10, distinct well-formed ids, `field` set. */
export function batchEntries(entries: unknown, field: string): Entry[] {
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError(
      "EmptyBatchRequest",
      "There should be at least one entry in the request.",
      "AWS.SimpleQueueService.EmptyBatchRequest",
    );
  if (entries.length > 10)
    throw new SqsError(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    );
  const ids = new Set<string>();
  return entries.map((raw) => {
    const entry = (raw ?? {}) as Entry;
    const id = String(entry.Id ?? "");
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id))
      throw new SqsError(
        "InvalidBatchEntryId",
        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
        "AWS.SimpleQueueService.InvalidBatchEntryId",
      );
    if (ids.has(id))
      throw new SqsError(
        "BatchEntryIdsNotDistinct",
        `Id ${id} repeated.`,
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      );
    ids.add(id);
    if (typeof entry[field] !== "string" || entry[field] === "") throw missing(field);
    return { ...entry, Id: id };
  });
}
