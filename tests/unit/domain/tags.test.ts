import { describe, expect, it } from "vitest";
import {
  idleSince,
  isoFromEpoch,
  launchTags,
  presentAnnex,
  stageOf,
} from "../../../shared/domain/tags.ts";
import { sampleAnnex, sampleInstance, T0 } from "./fixtures.ts";

describe("launchTags", () => {
  it("tags the service's keys first, then the user's sorted by key", () => {
    const annex = sampleAnnex({ tags: { zeta: "1", alpha: "2" } });
    expect(launchTags(annex, "prod")).toEqual([
      { Key: "annex:id", Value: annex.id },
      { Key: "annex:name", Value: "MyFirstAnnex" },
      { Key: "annex:owner", Value: "arn:aws:iam::123456789012:user/alice" },
      { Key: "annex:stage", Value: "prod" },
      { Key: "annex:lease-expires", Value: "2023-11-14T23:03:08Z" },
      { Key: "alpha", Value: "2" },
      { Key: "zeta", Value: "1" },
    ]);
  });
});

describe("stageOf", () => {
  it("tells this stage's instances from another's and from those launched before stages were tagged", () => {
    expect(stageOf({ "annex:stage": "prod" }, "prod")).toBe("ours");
    expect(stageOf({ "annex:stage": "dev" }, "prod")).toBe("other");
    expect(stageOf({ "annex:id": "01J9ZQ3B5V6N7M8K9H0G1F2E3D" }, "prod")).toBe("unstaged");
  });
});

describe("isoFromEpoch", () => {
  it("writes UTC to the second", () => expect(isoFromEpoch(0)).toBe("1970-01-01T00:00:00Z"));
});

describe("presentAnnex", () => {
  it("shows the API shape with ISO times and the remaining lease", () => {
    const view = presentAnnex(sampleAnnex(), [], undefined, T0 + 988);
    expect(view).toEqual({
      id: "01J9ZQ3B5V6N7M8K9H0G1F2E3D",
      name: "MyFirstAnnex",
      owner: "arn:aws:iam::123456789012:user/alice",
      kind: "on-demand",
      state: "running",
      requestedCount: 2,
      instanceType: "m5.large",
      imageId: "ami-a2a795b4",
      createdAt: "2023-11-14T22:13:20Z",
      leaseExpiresAt: "2023-11-14T23:03:08Z",
      leaseRemainingSeconds: 2000,
      endsAt: "2023-11-14T23:03:08Z",
      idleTimeoutSeconds: 900,
      instances: [],
    });
  });

  it("shows no lease remaining once ended, with the end reason", () => {
    const view = presentAnnex(sampleAnnex({ state: "ended", endReason: "off" }), [], [], T0);
    expect(view).toMatchObject({ leaseRemainingSeconds: 0, endReason: "off", events: [] });
  });

  it("lists instances by launch time, joined once bootstrapped or heartbeating", () => {
    const fresh = sampleInstance({
      instanceId: "i-2",
      launchedAt: T0 + 20,
      bootstrappedAt: undefined,
    });
    const beating = sampleInstance({
      instanceId: "i-3",
      launchedAt: T0 + 30,
      bootstrappedAt: undefined,
      lastHeartbeatAt: T0 + 90,
      activity: "busy",
      lastBusyAt: T0 + 90,
    });
    const joined = sampleInstance({ instanceId: "i-1" });
    const view = presentAnnex(sampleAnnex(), [beating, fresh, joined], undefined, T0);
    expect(view.instances).toEqual([
      {
        id: "i-1",
        type: "m5.large",
        state: "running",
        launchedAt: "2023-11-14T22:13:30Z",
        joined: true,
        idleSince: "2023-11-14T22:15:00Z",
      },
      {
        id: "i-2",
        type: "m5.large",
        state: "running",
        launchedAt: "2023-11-14T22:13:40Z",
        joined: false,
      },
      {
        id: "i-3",
        type: "m5.large",
        state: "running",
        launchedAt: "2023-11-14T22:13:50Z",
        joined: true,
      },
    ]);
  });

  it("lists events oldest first with ISO times", () => {
    const events = [
      { annexId: "a", at: T0 + 60, type: "launched", message: "launched 2", instanceIds: ["i-1"] },
      { annexId: "a", at: T0, type: "created", message: "requested 2" },
    ];
    expect(presentAnnex(sampleAnnex(), [], events, T0).events).toEqual([
      { at: "2023-11-14T22:13:20Z", type: "created", message: "requested 2" },
      { at: "2023-11-14T22:14:20Z", type: "launched", message: "launched 2", instanceIds: ["i-1"] },
    ]);
  });
});

describe("idleSince", () => {
  it("is the last busy report while idle", () =>
    expect(
      idleSince(
        sampleInstance({ activity: "idle", lastBusyAt: T0 + 500, lastHeartbeatAt: T0 + 600 }),
      ),
    ).toBe(T0 + 500));
  it("is the bootstrap before any busy report", () =>
    expect(idleSince(sampleInstance())).toBe(T0 + 100));
  it("is nothing while busy, before joining, or once terminated", () => {
    expect(idleSince(sampleInstance({ activity: "busy", lastBusyAt: T0 + 500 }))).toBeUndefined();
    expect(idleSince(sampleInstance({ bootstrappedAt: undefined }))).toBeUndefined();
    expect(idleSince(sampleInstance({ ec2State: "terminated" }))).toBeUndefined();
  });
});
