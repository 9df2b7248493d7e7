/**
 * The enforcer's sweep: the enforcement ports, and the due-work queue it hands a large tick's
 * due annexes to (only the sweep sends to it, so only its bundle carries the SQS client).
 */

import { sqs } from "../adapters/aws/sqs-client.ts";
import { SqsDueWork } from "../adapters/aws/sqs-due-work.ts";
import { getNumberFromEnv, getStringFromEnv } from "../config.ts";
import type { SweepPorts } from "../enforcement/ports.ts";
import { enforcePorts } from "./enforcement.ts";

export const sweepPorts: SweepPorts = {
  ...enforcePorts,
  dueWork: new SqsDueWork(
    sqs,
    {
      queueUrl: getStringFromEnv("ANNEX_DUE_QUEUE_URL"),
      deadLetterQueueUrl: getStringFromEnv("ANNEX_DUE_DLQ_URL"),
    },
    getNumberFromEnv("ANNEX_SWEEP_INLINE_ANNEXES", 100),
  ),
};
