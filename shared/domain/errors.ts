/**
 * Domain errors, each carrying its HTTP status, and the one place where they become answers
 * (`httpStatusOf`, `toErrorBody`).
 */

/** What every domain error accepts: its cause, and fields its answer carries beside `error`. */
export interface ErrorOptions {
  cause?: unknown;
  details?: Readonly<Record<string, unknown>>;
}

/**
 * Base of every error the domain raises on purpose: `code` is what API clients see, `status` the
 * HTTP status of the answer, `details` fields the answer carries beside `error` (e.g. the annex).
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  readonly details?: Readonly<Record<string, unknown>>;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** The request is not something we can read at all (not JSON, not an object): 400. */
export class MalformedRequestError extends DomainError {
  readonly code = "MalformedRequest";
  readonly status = 400;
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
  readonly status = 422;
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
  readonly status = 404;
  constructor(message = "not found", options?: ErrorOptions) {
    super(message, options);
    this.name = "NotFoundError";
  }
}

/** The request conflicts with the current state: 409. Subclasses say which conflict. */
export class ConflictError extends DomainError {
  readonly code: string = "Conflict";
  readonly status = 409;
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
  readonly status = 403;
  constructor(message = "forbidden", options?: ErrorOptions) {
    super(message, options);
    this.name = "ForbiddenError";
  }
}

/** The service is not configured for this yet (a deployment setting, or setup): 503, saying what to do. */
export class NotConfiguredError extends DomainError {
  readonly code = "NotConfigured";
  readonly status = 503;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NotConfiguredError";
  }
}

/** The HTTP status for any thrown value: a domain error's own, else 500. */
export function httpStatusOf(error: unknown): number {
  return error instanceof DomainError ? error.status : 500;
}

/** The JSON error body of the API. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: ValidationIssue[] };
  [detail: string]: unknown;
}

/**
 * The API error body for any thrown value. Domain errors carry their message (written for
 * users) and details; anything else is a bare 500 that never carries internals.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (!(error instanceof DomainError) || error.status === 500) {
    return { error: { code: "InternalError", message: "internal error" } };
  }
  const body: ErrorBody = { error: { code: error.code, message: oneLine(error.message) } };
  if (error instanceof ValidationError) body.error.issues = [...error.issues];
  return { ...error.details, ...body };
}
