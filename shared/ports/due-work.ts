/**
 * Handing a tick's due annexes to parallel workers (an SQS queue that triggers the `end-annexes`
 * function in AWS): what the enforcer sends, and what it can see of the work that failed.
 */

/** One message: annexes that were due at `dueAt` (epoch seconds), for one worker to end. */
export interface DueBatch {
  annexIds: string[];
  dueAt: number;
}

/** The queue of due work, as the sweep sees it. */
export interface DueWork {
  /** Due annexes one sweep ends itself; a tick with more hands them all to workers. */
  readonly inlineLimit: number;
  /** Sends the batches (every one, or an error: then the sweep ends them itself). */
  dispatch(batches: readonly DueBatch[]): Promise<void>;
  /** Batches the workers gave up on (the dead-letter queue's depth). */
  deadLetters(): Promise<number>;
}
