import { describe, expect, it } from "vitest";
import { MalformedRequestError } from "../../../shared/domain/errors.ts";
import { parseExtendAnnex } from "../../../shared/domain/requests/extend-annex.ts";
import { parseHeartbeat } from "../../../shared/domain/requests/instance.ts";
import { DEFAULT_LIMITS } from "../../../shared/domain/settings.ts";
import { expectIssue } from "./helpers.ts";

const limits = { ...DEFAULT_LIMITS, maxCount: 10, maxDurationHours: 12 };

describe("parseExtendAnnex", () => {
  it("accepts a duration up to the maximum", () => {
    expect(parseExtendAnnex({ durationHours: 12 }, limits)).toEqual({ durationHours: 12 });
  });
  it("requires durationHours", () =>
    expectIssue(() => parseExtendAnnex({}, limits), "durationHours", "required"));
  it("refuses 0 and more than the maximum", () => {
    expectIssue(
      () => parseExtendAnnex({ durationHours: 0 }, limits),
      "durationHours",
      "greater than 0",
    );
    expectIssue(
      () => parseExtendAnnex({ durationHours: 12.5 }, limits),
      "durationHours",
      "at most 12",
    );
  });
  it("refuses unknown fields and non-objects", () => {
    expectIssue(
      () => parseExtendAnnex({ durationHours: 1, idleHours: 1 }, limits),
      "idleHours",
      "unknown field",
    );
    expect(() => parseExtendAnnex([], limits)).toThrow(MalformedRequestError);
  });
});

describe("parseHeartbeat", () => {
  const beat = {
    annexId: "01J9ZQ3B5V6N7M8K9H0G1F2E3D",
    instanceId: "i-0123456789abcdef0",
    state: "idle",
  };
  it("accepts an idle or busy report with slots", () => {
    expect(
      parseHeartbeat({ ...beat, state: "busy", slots: { total: 2, claimed: 2 } }),
    ).toMatchObject({ state: "busy" });
  });
  it("refuses an unknown state", () =>
    expectIssue(() => parseHeartbeat({ ...beat, state: "asleep" }), "state", "idle, busy"));
  it("refuses malformed ids", () => {
    expectIssue(() => parseHeartbeat({ ...beat, annexId: "annex-1" }), "annexId");
    expectIssue(() => parseHeartbeat({ ...beat, instanceId: "i-xyz" }), "instanceId");
  });
  it("refuses more claimed slots than total", () =>
    expectIssue(
      () => parseHeartbeat({ ...beat, slots: { total: 1, claimed: 2 } }),
      "slots.claimed",
      "total",
    ));
});
