import { describe, expect, it } from "vitest";
import { wildcard } from "../../../local/ec2/core/filters.ts";
import { isoFromEpoch } from "../../../shared/domain/tags.ts";
import { leaseTagPatterns, taggedLease } from "../../../shared/enforcement/orphans.ts";

const at = (iso: string) => Date.parse(iso) / 1000;

describe("leaseTagPatterns", () => {
  it("names one minute per value for a short window, both ends included", () => {
    expect(leaseTagPatterns(at("2026-11-25T21:28:30Z"), at("2026-11-25T21:30:10Z"))).toEqual([
      "2026-11-25T21:28:*",
      "2026-11-25T21:29:*",
      "2026-11-25T21:30:*",
    ]);
  });

  it("folds whole ten-minute runs and whole hours into one value", () => {
    expect(leaseTagPatterns(at("2026-11-25T20:58:00Z"), at("2026-11-25T22:15:00Z"))).toEqual([
      "2026-11-25T20:58:*",
      "2026-11-25T20:59:*",
      "2026-11-25T21:*",
      "2026-11-25T22:0*",
      "2026-11-25T22:10:*",
      "2026-11-25T22:11:*",
      "2026-11-25T22:12:*",
      "2026-11-25T22:13:*",
      "2026-11-25T22:14:*",
      "2026-11-25T22:15:*",
    ]);
  });

  it("matches every second of the window and nothing outside its minutes (as EC2 filters match)", () => {
    const from = at("2026-11-25T21:07:41Z");
    const to = at("2026-11-25T23:34:12Z");
    const patterns = leaseTagPatterns(from, to).map(wildcard);
    const matched = (t: number) => patterns.some((pattern) => pattern.test(isoFromEpoch(t)));
    const missed: string[] = [];
    for (let t = from - 41; t <= to + 47; t += 1) if (!matched(t)) missed.push(isoFromEpoch(t));
    expect(missed).toEqual([]);
    expect(matched(from - 42)).toBe(false);
    expect(matched(to + 48)).toBe(false);
    expect(patterns.length).toBeLessThan(30);
  });

  it("stays within EC2's 200 values per filter for the longest window it is used for (6 hours)", () => {
    const from = at("2026-11-25T21:07:41Z");
    expect(leaseTagPatterns(from, from + 6 * 3600).length).toBeLessThanOrEqual(200);
  });
});

describe("taggedLease", () => {
  it("reads the annex:lease-expires tag as epoch seconds", () => {
    expect(taggedLease({ tags: { "annex:lease-expires": "2026-11-25T21:30:00Z" } })).toBe(
      at("2026-11-25T21:30:00Z"),
    );
  });

  it("is undefined for a missing or unreadable tag", () => {
    expect(taggedLease({ tags: {} })).toBeUndefined();
    expect(taggedLease({ tags: { "annex:lease-expires": "soon" } })).toBeUndefined();
  });
});
