/** The local SQS's long polling (WaitTimeSeconds) and the attributes it answers with. */

import type { Queue, QueueStore, ReceivedMessage } from "./sqs-queues.ts";

/**
 * Receives that wait up to `waitSeconds` (wall time) for a message: woken by every send, and
 * looking again now and then, since the clock may be moved by hand (a visibility timeout ends
 * without any send).
 */
export function receiveLongPolling(store: QueueStore) {
  const waiters = new Set<() => void>();
  let closed = false;
  store.onSend = () => {
    for (const wake of [...waiters]) wake();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(ms, 250));
      waiters.add(wake);
    });
  return {
    async receive(
      queue: Queue,
      max: number,
      visibility: number,
      waitSeconds: number,
    ): Promise<ReceivedMessage[]> {
      const deadline = Date.now() + waitSeconds * 1000;
      let messages = store.receive(queue, max, visibility);
      while (messages.length === 0 && !closed && Date.now() < deadline) {
        await nap(deadline - Date.now());
        messages = store.receive(queue, max, visibility);
      }
      return messages;
    },
    close() {
      closed = true;
      for (const wake of [...waiters]) wake();
    },
  };
}

/** Every attribute GetQueueAttributes knows of a queue, as SQS spells them (strings). */
export function attributesOf(store: QueueStore, queue: Queue): Record<string, string> {
  const counts = store.counts(queue);
  const { RedrivePolicy, ...settings } = queue.settings;
  return {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
    ...Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, String(value)])),
    ...(RedrivePolicy ? { RedrivePolicy: JSON.stringify(RedrivePolicy) } : {}),
  };
}

/** The attributes asked for by name (`All` for every one); none when none is asked for. */
export function pick(attributes: Record<string, string>, names: unknown): Record<string, string> {
  const wanted = Array.isArray(names) ? names.map(String) : [];
  if (wanted.includes("All")) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([key]) => wanted.includes(key)));
}
