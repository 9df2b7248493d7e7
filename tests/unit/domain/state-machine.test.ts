import { describe, expect, it } from "vitest";
import { ANNEX_STATES, type AnnexState } from "../../../shared/domain/annex.ts";
import { ConflictError, NotLiveError } from "../../../shared/domain/errors.ts";
import { canTransition, isLive, transition } from "../../../shared/domain/state-machine.ts";
import { sampleAnnex } from "./fixtures.ts";

const allowed: [AnnexState, AnnexState][] = [
  ["requested", "provisioning"],
  ["requested", "stopping"],
  ["provisioning", "running"],
  ["provisioning", "stopping"],
  ["running", "stopping"],
  ["stopping", "ended"],
];

describe("state machine", () => {
  it("allows exactly the life cycle's moves (plus requested → ended when failed)", () => {
    for (const from of ANNEX_STATES) {
      for (const to of ANNEX_STATES) {
        const expected = allowed.some(([a, b]) => a === from && b === to);
        expect(canTransition(from, to, "off"), `${from} → ${to}`).toBe(expected);
      }
    }
    expect(canTransition("requested", "ended", "failed")).toBe(true);
    expect(canTransition("requested", "ended", "off")).toBe(false);
  });

  it("says which states are live", () => {
    expect(ANNEX_STATES.filter(isLive)).toEqual(["requested", "provisioning", "running"]);
  });

  it("moves an annex and keeps everything else", () => {
    const annex = sampleAnnex({ state: "provisioning" });
    expect(transition(annex, "running")).toEqual({ ...annex, state: "running" });
  });

  it("records the end reason when stopping and keeps it when ending", () => {
    const stopping = transition(sampleAnnex(), "stopping", "expired");
    expect(stopping).toMatchObject({ state: "stopping", endReason: "expired" });
    expect(transition(stopping, "ended")).toMatchObject({ state: "ended", endReason: "expired" });
  });

  it("ends a requested annex as failed", () => {
    expect(transition(sampleAnnex({ state: "requested" }), "ended", "failed")).toMatchObject({
      state: "ended",
      endReason: "failed",
    });
  });

  it("refuses an illegal move of a live annex with a ConflictError", () => {
    expect(() => transition(sampleAnnex({ state: "running" }), "provisioning")).toThrow(
      ConflictError,
    );
    expect(() => transition(sampleAnnex({ state: "running" }), "ended", "off")).toThrow(
      ConflictError,
    );
    expect(() => transition(sampleAnnex({ state: "requested" }), "ended", "expired")).toThrow(
      ConflictError,
    );
  });

  it("refuses to move an annex that has stopped or ended with a NotLiveError", () => {
    expect(() =>
      transition(sampleAnnex({ state: "ended", endReason: "off" }), "stopping", "off"),
    ).toThrow(NotLiveError);
    expect(() =>
      transition(sampleAnnex({ state: "stopping", endReason: "off" }), "running"),
    ).toThrow(NotLiveError);
  });

  it("needs a reason to stop", () => {
    expect(() => transition(sampleAnnex(), "stopping")).toThrow(TypeError);
  });
});
