/** Domain errors, and the one place where they become HTTP statuses and bodies. */

interface ErrorOptions {
  cause?: unknown;
}

/** Base of every error the domain raises on purpose; `code` is what API clients see. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

/** The request is not something we can read at all (not JSON, not an object): 400. */
export class MalformedRequestError extends DomainError {
  readonly code = "MalformedRequest";
  constructor(message = "request body must be a JSON object", options?: ErrorOptions) {
    super(message, options);
    this.name = "MalformedRequestError";
  }
}

/** One problem with one field of a request. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `count`, `tags.Project`, `owners[1]`. */
  path: string;
  message: string;
}

const SHOWN_ISSUES = 3;

/** A well-formed request with invalid values: 422. The message names the first fields. */
export class ValidationError extends DomainError {
  readonly code = "ValidationFailed";
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[], options?: ErrorOptions) {
    super(summarize(issues), options);
    this.name = "ValidationError";
    this.issues = issues;
  }
}

function summarize(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return "invalid request";
  const shown = issues
    .slice(0, SHOWN_ISSUES)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more)` : "";
  return oneLine(`${shown.join("; ")}${more}`);
}

/** Makes any text safe for a one-line message: control characters become `?`, length is capped. */
export function oneLine(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** The annex (or other resource) does not exist for this caller: 404. */
export class NotFoundError extends DomainError {
  readonly code = "NotFound";
  constructor(message = "not found", options?: ErrorOptions) {
    super(message, options);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the current state: 409. Subclasses say which conflict. */
export class ConflictError extends DomainError {
  readonly code: string = "Conflict";
  constructor(message = "conflict", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConflictError";
  }
}

/** A live annex of this owner already has this name. */
export class NameInUseError extends ConflictError {
  override readonly code = "NameInUse";
  constructor(name: string, options?: ErrorOptions) {
    super(`an annex named "${oneLine(name, 64)}" is already live`, options);
    this.name = "NameInUseError";
  }
}

/** The clientToken was already used for a request with other parameters. */
export class IdempotencyMismatchError extends ConflictError {
  override readonly code = "IdempotencyMismatch";
  constructor(options?: ErrorOptions) {
    super("clientToken was already used with different parameters", options);
    this.name = "IdempotencyMismatchError";
  }
}

/** The annex has stopped or ended, so it can no longer be changed that way. */
export class NotLiveError extends ConflictError {
  override readonly code = "NotLive";
  constructor(message = "annex is not live", options?: ErrorOptions) {
    super(message, options);
    this.name = "NotLiveError";
  }
}

/** The caller proved nothing we accept (bad bootstrap document, bad heartbeat token): 403. */
export class ForbiddenError extends DomainError {
  readonly code = "Forbidden";
  constructor(message = "forbidden", options?: ErrorOptions) {
    super(message, options);
    this.name = "ForbiddenError";
  }
}

/**
 * Every domain error code and its HTTP status. Codes of errors defined next to their use
 * (launch-errors.ts, stale.ts) are listed here too, so this stays the one place for statuses.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  MalformedRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  NameInUse: 409,
  IdempotencyMismatch: 409,
  NotLive: 409,
  ConcurrentUpdate: 409,
  ValidationFailed: 422,
  LaunchRejected: 422,
  InsufficientCapacity: 503,
  Ec2Unavailable: 503,
};

function familyStatus(error: DomainError): number {
  if (error instanceof MalformedRequestError) return 400;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ValidationError) return 422;
  return 500;
}

/** The HTTP status for any thrown value; anything that is not a known domain error is a 500. */
export function httpStatusOf(error: unknown): number {
  if (!(error instanceof DomainError)) return 500;
  return Object.hasOwn(STATUS_BY_CODE, error.code)
    ? (STATUS_BY_CODE[error.code] ?? 500)
    : familyStatus(error);
}

/** The JSON error body of the API. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: ValidationIssue[] };
}

/**
 * The API error body for any thrown value. Domain errors with a mapped status carry their
 * message (written for users); anything else is a bare 500 that never carries internals.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (!(error instanceof DomainError) || httpStatusOf(error) === 500) {
    return { error: { code: "InternalError", message: "internal error" } };
  }
  const body: ErrorBody = { error: { code: error.code, message: oneLine(error.message) } };
  if (error instanceof ValidationError) body.error.issues = [...error.issues];
  return body;
}
