/** The CLI's error classes and the exit code each one maps to. */

/** Exit codes of `annex`; documented in cli/README.md. */
export const EXIT = {
  ok: 0,
  /** The command ran but did not do what was asked: answered "no", setup failed, check-setup found gaps. */
  notDone: 1,
  /** Bad command line, unreadable file or config, missing credentials: nothing was sent. */
  usage: 2,
  /** The API refused the request (HTTP 4xx, or a launch EC2 refused); its message is printed as-is. */
  refused: 3,
  /** The API could not be reached (connection refused, DNS, timeout), after retries. */
  unreachable: 4,
  /** The API failed (HTTP 5xx or an answer it should not give), after retries. */
  failed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A wrong command line or local setting, found before any request. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode = EXIT.usage;
}

/** One invalid field of a refused request, as the API names it. */
export interface RefusedField {
  path: string;
  message: string;
}

/** The API answered 4xx: the message is the server's own, with the fields it found invalid. */
export class ApiRefusedError extends Error {
  override name = "ApiRefusedError";
  readonly exitCode = EXIT.refused;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly RefusedField[] = [],
  ) {
    super(message);
  }
}

/** The API could not be reached at all. */
export class ApiUnreachableError extends Error {
  override name = "ApiUnreachableError";
  readonly exitCode = EXIT.unreachable;
}

/** The API answered with a server error or an answer that does not fit the contract. */
export class ApiFailedError extends Error {
  override name = "ApiFailedError";
  readonly exitCode = EXIT.failed;
}

/** The command ran to the end without success (the message, if any, was already printed). */
export class NotDoneError extends Error {
  override name = "NotDoneError";
  readonly exitCode = EXIT.notDone;
}

/** Maps any thrown value to an exit code and a one-line message. */
export function describeError(error: unknown): { exitCode: ExitCode; message: string } {
  if (
    error instanceof UsageError ||
    error instanceof ApiRefusedError ||
    error instanceof ApiUnreachableError ||
    error instanceof ApiFailedError ||
    error instanceof NotDoneError
  ) {
    return { exitCode: error.exitCode, message: oneLine(error.message) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT.notDone, message: oneLine(`unexpected error: ${message}`) };
}

/** Folds a message onto one line and bounds its length. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
