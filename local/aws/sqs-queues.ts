/**
 * Standard SQS queues in memory, as SQS keeps them: at-least-once delivery, a visibility timeout
 * per receive (a message not deleted in time is delivered again, with a new receipt handle and a
 * higher receive count), delays, retention, and a redrive policy that moves a message received
 * more than `maxReceiveCount` times to its dead-letter queue. Time is the local AWS's clock.
 */

import { createHash, randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";

/** A queue's settings (SQS's attribute names; seconds). */
export interface QueueSettings {
  VisibilityTimeout: number;
  MessageRetentionPeriod: number;
  DelaySeconds: number;
  ReceiveMessageWaitTimeSeconds: number;
  /** `{ deadLetterTargetArn, maxReceiveCount }`, as SQS's RedrivePolicy attribute holds it. */
  RedrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export const DEFAULT_SETTINGS: QueueSettings = {
  VisibilityTimeout: 30,
  MessageRetentionPeriod: 345_600,
  DelaySeconds: 0,
  ReceiveMessageWaitTimeSeconds: 0,
};

interface StoredMessage {
  id: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The latest receipt handle: only it deletes the message or changes its visibility. */
  receipt?: string;
}

/** A message as a receive hands it out. */
export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes: Record<string, string>;
}

export interface Queue {
  name: string;
  arn: string;
  settings: QueueSettings;
  createdAt: number;
  messages: Map<string, StoredMessage>;
}

/** An SQS refusal: its code, the query-protocol code SQS also sends, and the HTTP status. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode = code,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const md5Of = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

/** The queues of one local account and region. */
export class QueueStore {
  private readonly queues = new Map<string, Queue>();
  /** Called after every send, so long polls waiting on the queue look again. */
  onSend: (queue: Queue) => void = () => {};

  constructor(
    private readonly clock: Clock,
    readonly accountId: string,
    readonly region: string,
  ) {}

  /** Creates a queue, or returns the existing one of that name (SQS's CreateQueue is idempotent). */
  create(name: string, settings: QueueSettings): Queue {
    const existing = this.queues.get(name);
    if (existing) return existing;
    const queue: Queue = {
      name,
      arn: `arn:aws:sqs:${this.region}:${this.accountId}:${name}`,
      settings,
      createdAt: this.clock.now(),
      messages: new Map(),
    };
    this.queues.set(name, queue);
    return queue;
  }

  get(name: string): Queue | undefined {
    return this.queues.get(name);
  }

  names(): string[] {
    return [...this.queues.keys()].sort();
  }

  send(queue: Queue, body: string, delaySeconds = queue.settings.DelaySeconds): string {
    const id = randomUUID();
    const now = this.clock.now();
    queue.messages.set(id, {
      id,
      body,
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    });
    this.onSend(queue);
    return id;
  }

  /** Up to `max` visible messages, each hidden for `visibilitySeconds` from now. */
  receive(queue: Queue, max: number, visibilitySeconds = queue.settings.VisibilityTimeout) {
    const now = this.clock.now();
    const out: ReceivedMessage[] = [];
    for (const message of [...queue.messages.values()]) {
      if (out.length >= max) break;
      if (now - message.sentAt >= queue.settings.MessageRetentionPeriod * 1000) {
        queue.messages.delete(message.id);
        continue;
      }
      if (message.visibleAt > now) continue;
      if (this.redrive(queue, message)) continue;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receipt = `${message.id}#${randomUUID()}`;
      out.push({
        MessageId: message.id,
        ReceiptHandle: message.receipt,
        MD5OfBody: md5Of(message.body),
        Body: message.body,
        Attributes: {
          ApproximateReceiveCount: String(message.receiveCount),
          SentTimestamp: String(message.sentAt),
          ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
          SenderId: this.accountId,
        },
      });
    }
    return out;
  }

  /** Deletes the message; an older receipt handle of it succeeds without deleting (as in SQS). */
  delete(queue: Queue, receipt: string): void {
    const message = this.byReceipt(queue, receipt);
    if (message?.receipt === receipt) queue.messages.delete(message.id);
  }

  /** Hides an in-flight message for `seconds` from now (0: visible again at once). */
  changeVisibility(queue: Queue, receipt: string, seconds: number): void {
    const message = this.byReceipt(queue, receipt);
    const now = this.clock.now();
    if (message === undefined || message.receipt !== receipt || message.visibleAt <= now)
      throw new SqsError(
        "MessageNotInflight",
        "The message referred to isn't in flight.",
        "AWS.SimpleQueueService.MessageNotInflight",
      );
    message.visibleAt = now + seconds * 1000;
    if (seconds === 0) this.onSend(queue);
  }

  /** The queue's counts: visible, in flight, delayed (never received yet and not visible). */
  counts(queue: Queue): { visible: number; inFlight: number; delayed: number } {
    const now = this.clock.now();
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of queue.messages.values()) {
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  private byReceipt(queue: Queue, receipt: string): StoredMessage | undefined {
    const [id = ""] = receipt.split("#");
    if (!receipt.includes("#"))
      throw new SqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${receipt}" is not a valid receipt handle.`,
        "ReceiptHandleIsInvalid",
        404,
      );
    return queue.messages.get(id);
  }

  /** Moves a message received `maxReceiveCount` times to the dead-letter queue; true if it moved. */
  private redrive(queue: Queue, message: StoredMessage): boolean {
    const policy = queue.settings.RedrivePolicy;
    if (policy === undefined || message.receiveCount < policy.maxReceiveCount) return false;
    const target = this.queues.get(policy.deadLetterTargetArn.split(":").pop() ?? "");
    if (target === undefined) return false;
    queue.messages.delete(message.id);
    target.messages.set(message.id, {
      ...message,
      visibleAt: this.clock.now(),
      receipt: undefined,
    });
    this.onSend(target);
    return true;
  }
}
