/** Test helpers for domain validation. */

import { expect } from "vitest";
import { ValidationError, type ValidationIssue } from "../../../shared/domain/errors.ts";

/** Runs `fn`, expects a ValidationError, and returns its issues. */
export function issuesOf(fn: () => unknown): readonly ValidationIssue[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error("expected a ValidationError, but nothing was thrown");
}

/** Expects `fn` to fail validation with an issue at `path` (whose message contains `text`). */
export function expectIssue(fn: () => unknown, path: string, text?: string): void {
  const issues = issuesOf(fn);
  const atPath = issues.filter((issue) => issue.path === path);
  expect(atPath, `issues were ${JSON.stringify(issues)}`).not.toHaveLength(0);
  if (text !== undefined) {
    expect(atPath.map((issue) => issue.message).join(" | ")).toContain(text);
  }
}
