import { describe, expect, it } from "vitest";
import {
  applyHeartbeat,
  bootDeadline,
  heartbeatInstruction,
  hoursToSeconds,
  idleDeadlineAtBootstrap,
  isLeaseOver,
  leaseExpiry,
  leaseRemaining,
  terminationReason,
} from "../../../shared/domain/lease.ts";
import { sampleAnnex, sampleInstance, T0 } from "./fixtures.ts";

describe("lease arithmetic", () => {
  it("turns condor_annex's 0.83 h into 2988 s and 0.25 h into 900 s", () => {
    expect(hoursToSeconds(0.83)).toBe(2988);
    expect(hoursToSeconds(0.25)).toBe(900);
    expect(leaseExpiry(T0, 0.83)).toBe(T0 + 2988);
  });
  it("never makes a lease shorter than one second", () => expect(hoursToSeconds(0.00001)).toBe(1));
  it("counts the remaining time down to zero and not below", () => {
    expect(leaseRemaining(T0 + 10, T0)).toBe(10);
    expect(leaseRemaining(T0 + 10, T0 + 9)).toBe(1);
    expect(leaseRemaining(T0 + 10, T0 + 10)).toBe(0);
    expect(leaseRemaining(T0 + 10, T0 + 99)).toBe(0);
  });
  it("is over from the expiry second on", () => {
    expect(isLeaseOver(T0 + 10, T0 + 9)).toBe(false);
    expect(isLeaseOver(T0 + 10, T0 + 10)).toBe(true);
  });
  it("gives boot and first idle deadlines", () => {
    expect(bootDeadline(T0, 900)).toBe(T0 + 900);
    expect(idleDeadlineAtBootstrap(T0 + 100, 900)).toBe(T0 + 1000);
  });
});

describe("applyHeartbeat", () => {
  it("counts the first idle report from the bootstrap", () => {
    const after = applyHeartbeat(sampleInstance(), { state: "idle", at: T0 + 400 }, 900);
    expect(after).toMatchObject({
      idleDeadline: T0 + 100 + 900,
      lastHeartbeatAt: T0 + 400,
      activity: "idle",
    });
    expect(after.lastBusyAt).toBeUndefined();
  });
  it("counts from launch when the instance never bootstrapped", () => {
    const after = applyHeartbeat(
      sampleInstance({ bootstrappedAt: undefined }),
      { state: "idle", at: T0 + 400 },
      900,
    );
    expect(after.idleDeadline).toBe(T0 + 10 + 900);
  });
  it("resets the deadline on a busy report", () => {
    const after = applyHeartbeat(
      sampleInstance({ idleDeadline: T0 + 1000 }),
      { state: "busy", at: T0 + 2000 },
      900,
    );
    expect(after).toMatchObject({
      lastBusyAt: T0 + 2000,
      idleDeadline: T0 + 2900,
      activity: "busy",
    });
  });
  it("keeps the deadline of the last busy report while idle", () => {
    const busy = applyHeartbeat(sampleInstance(), { state: "busy", at: T0 + 2000 }, 900);
    const idle = applyHeartbeat(busy, { state: "idle", at: T0 + 2060 }, 900);
    expect(idle).toMatchObject({
      lastBusyAt: T0 + 2000,
      idleDeadline: T0 + 2900,
      activity: "idle",
      lastHeartbeatAt: T0 + 2060,
    });
  });
  it("does not let a late, older report roll the state back", () => {
    const idle = applyHeartbeat(sampleInstance(), { state: "idle", at: T0 + 500 }, 900);
    const late = applyHeartbeat(idle, { state: "busy", at: T0 + 450 }, 900);
    expect(late).toMatchObject({
      activity: "idle",
      lastHeartbeatAt: T0 + 500,
      lastBusyAt: T0 + 450,
      idleDeadline: T0 + 1350,
    });
    const older = applyHeartbeat(
      applyHeartbeat(idle, { state: "busy", at: T0 + 600 }, 900),
      { state: "busy", at: T0 + 550 },
      900,
    );
    expect(older.lastBusyAt).toBe(T0 + 600);
  });
});

describe("heartbeatInstruction", () => {
  const annex = sampleAnnex();
  const instance = sampleInstance({ idleDeadline: T0 + 1000 });
  it("continues a live annex within its lease", () =>
    expect(heartbeatInstruction(annex, instance, T0 + 999)).toBe("continue"));
  it("stops once the lease is over, to the second", () => {
    expect(heartbeatInstruction(annex, sampleInstance(), annex.leaseExpiresAt - 1)).toBe(
      "continue",
    );
    expect(heartbeatInstruction(annex, sampleInstance(), annex.leaseExpiresAt)).toBe("stop");
  });
  it("stops once idle past the deadline", () =>
    expect(heartbeatInstruction(annex, instance, T0 + 1000)).toBe("stop"));
  it("stops when the annex is not live", () => {
    expect(heartbeatInstruction(sampleAnnex({ state: "stopping" }), sampleInstance(), T0)).toBe(
      "stop",
    );
    expect(
      heartbeatInstruction(sampleAnnex({ state: "ended", endReason: "off" }), sampleInstance(), T0),
    ).toBe("stop");
  });
  it("continues while the annex is still provisioning", () =>
    expect(heartbeatInstruction(sampleAnnex({ state: "provisioning" }), sampleInstance(), T0)).toBe(
      "continue",
    ));
  it("stops an instance marked ended", () =>
    expect(heartbeatInstruction(annex, sampleInstance({ endedAt: T0 }), T0 + 1)).toBe("stop"));
  it("drains after an interruption notice, unless it must stop", () => {
    expect(
      heartbeatInstruction(annex, sampleInstance({ interruptionNoticeAt: T0 + 50 }), T0 + 60),
    ).toBe("drain");
    expect(
      heartbeatInstruction(
        annex,
        sampleInstance({ interruptionNoticeAt: T0 }),
        annex.leaseExpiresAt,
      ),
    ).toBe("stop");
  });
});

describe("terminationReason", () => {
  const annex = sampleAnnex();
  it("is nothing for a healthy instance", () =>
    expect(terminationReason(annex, sampleInstance(), T0 + 500)).toBeUndefined());
  it("is orphan without a live annex", () => {
    expect(terminationReason(undefined, sampleInstance(), T0)).toBe("orphan");
    expect(
      terminationReason(sampleAnnex({ state: "ended", endReason: "off" }), sampleInstance(), T0),
    ).toBe("orphan");
  });
  it("is expired from the lease's expiry second", () => {
    expect(terminationReason(annex, sampleInstance(), annex.leaseExpiresAt - 1)).toBeUndefined();
    expect(terminationReason(annex, sampleInstance(), annex.leaseExpiresAt)).toBe("expired");
  });
  it("is boot when never bootstrapped by the boot deadline", () => {
    const stuck = sampleInstance({ bootstrappedAt: undefined });
    expect(terminationReason(annex, stuck, T0 + 10 + 899)).toBeUndefined();
    expect(terminationReason(annex, stuck, T0 + 10 + 900)).toBe("boot");
    expect(terminationReason(annex, { ...stuck, bootDeadline: T0 + 20 }, T0 + 20)).toBe("boot");
  });
  it("is idle from the idle deadline", () => {
    const idle = sampleInstance({ idleDeadline: T0 + 1000 });
    expect(terminationReason(annex, idle, T0 + 999)).toBeUndefined();
    expect(terminationReason(annex, idle, T0 + 1000)).toBe("idle");
  });
  it("is nothing for an instance already ended", () =>
    expect(terminationReason(undefined, sampleInstance({ endedAt: T0 }), T0 + 1)).toBeUndefined());
});
