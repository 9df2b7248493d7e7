import { describe, expect, it } from "vitest";
import type { AnnexInstance } from "../../../shared/domain/annex.ts";
import { endReasonWhenEmpty } from "../../../shared/enforcement/reconcile.ts";

const instance = (overrides: Partial<AnnexInstance>): AnnexInstance => ({
  annexId: "a",
  instanceId: "i-00000001",
  instanceType: "m5.large",
  ec2State: "terminated",
  launchedAt: 0,
  endedAt: 2000,
  version: 3,
  ...overrides,
});

describe("endReasonWhenEmpty", () => {
  it("is expired once the lease is over, whatever the instances did", () => {
    expect(
      endReasonWhenEmpty(
        { leaseExpiresAt: 1000 },
        [instance({ activity: "busy", bootstrappedAt: 10 })],
        1000,
      ),
    ).toBe("expired");
  });

  it("is idle when an instance that joined went away idle (its own idle shutdown)", () => {
    const idle = instance({ bootstrappedAt: 10, activity: "idle", idleDeadline: 910 });
    expect(endReasonWhenEmpty({ leaseExpiresAt: 9000 }, [idle], 2000)).toBe("idle");
  });

  it("is failed when nothing ever bootstrapped", () => {
    expect(endReasonWhenEmpty({ leaseExpiresAt: 9000 }, [instance({})], 2000)).toBe("failed");
  });

  it("is failed when busy instances were taken away (spot reclaimed, terminated outside the service)", () => {
    const busy = instance({ bootstrappedAt: 10, activity: "busy", idleDeadline: 5000 });
    const reclaimed = instance({
      bootstrappedAt: 10,
      activity: "idle",
      idleDeadline: 5000,
      interruptionNoticeAt: 1900,
    });
    expect(endReasonWhenEmpty({ leaseExpiresAt: 9000 }, [busy, reclaimed], 2000)).toBe("failed");
  });
});
