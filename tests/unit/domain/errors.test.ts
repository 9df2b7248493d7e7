import { describe, expect, it } from "vitest";
import {
  ConflictError,
  ForbiddenError,
  httpStatusOf,
  IdempotencyMismatchError,
  MalformedRequestError,
  NameInUseError,
  NotFoundError,
  NotLiveError,
  toErrorBody,
  ValidationError,
} from "../../../shared/domain/errors.ts";
import {
  CapacityError,
  Ec2UnavailableError,
  LaunchRejectedError,
  launchFailure,
  TerminateRefusedError,
  ThrottledError,
  UnknownInstancesError,
} from "../../../shared/domain/launch-errors.ts";
import { StaleAnnexError, StaleInstanceError } from "../../../shared/domain/stale.ts";

describe("httpStatusOf", () => {
  it("maps each domain error to its status", () => {
    const cases: [Error, number][] = [
      [new MalformedRequestError(), 400],
      [new ForbiddenError(), 403],
      [new NotFoundError(), 404],
      [new ConflictError(), 409],
      [new NameInUseError("x"), 409],
      [new IdempotencyMismatchError(), 409],
      [new NotLiveError(), 409],
      [new StaleAnnexError("id"), 409],
      [new StaleInstanceError("i-1"), 409],
      [new ValidationError([{ path: "count", message: "must be at least 1" }]), 422],
      [new LaunchRejectedError("bad image"), 422],
      [new CapacityError("no capacity"), 503],
      [new Ec2UnavailableError("InternalError"), 503],
      [new ThrottledError("RequestLimitExceeded"), 503],
      [new TerminateRefusedError("UnauthorizedOperation"), 502],
      [new UnknownInstancesError(["i-1"]), 404],
      [new Error("boom"), 500],
      [new TypeError("x is undefined"), 500],
    ];
    for (const [error, status] of cases) expect(httpStatusOf(error), error.name).toBe(status);
  });
  it("is 500 for thrown non-errors", () => {
    expect(httpStatusOf("oops")).toBe(500);
    expect(httpStatusOf({ statusCode: 400 })).toBe(500);
  });
});

describe("domain errors", () => {
  it("set their name, code and cause", () => {
    const cause = new Error("inner");
    const error = new NameInUseError("web", { cause });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ name: "NameInUseError", code: "NameInUse", cause });
  });
  it("validation messages name the first three fields on one line", () => {
    const error = new ValidationError([
      { path: "name", message: "bad\nline" },
      { path: "count", message: "must be at least 1" },
      { path: "tags.k", message: "too long" },
      { path: "owners", message: "are required" },
    ]);
    expect(error.message).toBe(
      "name: bad?line; count: must be at least 1; tags.k: too long (and 1 more)",
    );
  });
});

describe("toErrorBody", () => {
  it("carries the code and message of a domain error", () => {
    expect(toErrorBody(new NotFoundError('annex "x" not found'))).toEqual({
      error: { code: "NotFound", message: 'annex "x" not found' },
    });
  });
  it("lists validation issues", () => {
    const issues = [{ path: "count", message: "must be at least 1" }];
    expect(toErrorBody(new ValidationError(issues))).toEqual({
      error: { code: "ValidationFailed", message: "count: must be at least 1", issues },
    });
  });
  it("carries an error's details beside it", () => {
    const annex = { id: "01A", state: "ended" };
    expect(toErrorBody(new CapacityError("no capacity", { details: { annex } }))).toEqual({
      error: { code: "InsufficientCapacity", message: "no capacity" },
      annex,
    });
  });
  it("says nothing of an unexpected error", () => {
    const body = toErrorBody(new Error("connect ECONNREFUSED 10.0.0.1:443 secret=abc"));
    expect(body).toEqual({ error: { code: "InternalError", message: "internal error" } });
  });
});

describe("launchFailure", () => {
  it("answers a create for an annex that failed with the error its stored failure code names", () => {
    const details = { annex: { id: "01A" } };
    const capacity = launchFailure(
      { failureCode: "InsufficientCapacity", failureReason: "none left" },
      details,
    );
    expect(capacity).toBeInstanceOf(CapacityError);
    expect(capacity).toMatchObject({ status: 503, message: "none left", details });
    const refused = launchFailure({ failureCode: "LaunchRejected" }, details);
    expect(refused).toBeInstanceOf(LaunchRejectedError);
    expect(refused).toMatchObject({ status: 422, message: "launch refused" });
  });
});
