import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ValidationError, type ValidationIssue } from "../../../shared/domain/errors.ts";
import { parseBody } from "../../../shared/domain/requests/common.ts";
import { parseCreateAnnex } from "../../../shared/domain/requests/create-annex.ts";
import { DEFAULT_LIMITS } from "../../../shared/domain/settings.ts";

const issuesOf = (run: () => unknown): readonly ValidationIssue[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error("no ValidationError");
};

/** Bounds written without a message of their own, so zod's defaults would show. */
const bare = z
  .object({
    list: z.array(z.string()).min(1).max(2).optional(),
    pair: z.array(z.string()).length(2).optional(),
    text: z.string().min(3).max(5).optional(),
    word: z.string().min(1).optional(),
    atLeast: z.number().min(1).optional(),
    atMost: z.number().max(50).optional(),
    positive: z.number().positive().optional(),
    below: z.number().lt(10).optional(),
    finite: z.number().finite().optional(),
    step: z.number().multipleOf(5).optional(),
    pattern: z.string().regex(/^x+$/).optional(),
    url: z.string().url().optional(),
  })
  .strict();

describe("validation messages", () => {
  it.each([
    [{ list: [] }, "list", "must not be empty"],
    [{ list: ["a", "b", "c"] }, "list", "must list at most 2 items"],
    [{ pair: ["a"] }, "pair", "must list exactly 2 items"],
    [{ text: "ab" }, "text", "must be at least 3 characters"],
    [{ text: "abcdef" }, "text", "must be at most 5 characters"],
    [{ word: "" }, "word", "must not be empty"],
    [{ atLeast: 0 }, "atLeast", "must be at least 1"],
    [{ atMost: 51 }, "atMost", "must be at most 50"],
    [{ positive: 0 }, "positive", "must be greater than 0"],
    [{ below: 10 }, "below", "must be less than 10"],
    [{ finite: Number.POSITIVE_INFINITY }, "finite", "must be a finite number"],
    [{ step: 7 }, "step", "must be a multiple of 5"],
    [{ pattern: "y" }, "pattern", "is not in the expected form"],
    [{ url: "nope" }, "url", "must be a valid url"],
  ])("describes %j in the product's words", (body, path, message) => {
    expect(issuesOf(() => parseBody(bare, body))).toEqual([{ path, message }]);
  });

  it("never passes on zod's default wording", () => {
    const everything = {
      list: [],
      pair: ["a"],
      text: "ab",
      atLeast: 0,
      atMost: 51,
      positive: -1,
      step: 7,
      pattern: "y",
    };
    for (const issue of issuesOf(() => parseBody(bare, everything))) {
      expect(issue.message).not.toMatch(/element\(s\)|character\(s\)|^Number |^String |^Invalid/);
    }
  });

  it("keeps a message the schema wrote itself", () => {
    const limits = { ...DEFAULT_LIMITS, maxCount: 50, maxDurationHours: 24 };
    const body = { name: "A", clientToken: "t", count: 51, owners: ["alice"] };
    expect(issuesOf(() => parseCreateAnnex(body, limits))).toEqual([
      { path: "count", message: "must be at most 50" },
    ]);
  });

  it("reports the bounds of a spot fleet's launch specifications in words", () => {
    const spec = { ImageId: "ami-a2a795b4", InstanceType: "c3.large" };
    const body = {
      name: "A",
      clientToken: "t",
      kind: "spot-fleet",
      slots: 1,
      owners: ["alice"],
      spotFleetConfig: {
        IamFleetRole: "arn:aws:iam::123456789012:role/fleet",
        LaunchSpecifications: Array.from({ length: 51 }, () => spec),
      },
    };
    expect(
      issuesOf(() =>
        parseCreateAnnex(body, { ...DEFAULT_LIMITS, maxCount: 50, maxDurationHours: 24 }),
      ),
    ).toEqual([
      { path: "spotFleetConfig.LaunchSpecifications", message: "must list at most 50 items" },
    ]);
  });

  it("reports one issue once", () => {
    const twice = z.object({ tag: z.string() }).superRefine((_, ctx) => {
      for (let i = 0; i < 2; i += 1)
        ctx.addIssue({ code: "custom", path: ["tag"], message: "is reserved" });
    });
    expect(issuesOf(() => parseBody(twice, { tag: "aws:x" }))).toEqual([
      { path: "tag", message: "is reserved" },
    ]);
  });
});
