import { describe, expect, it } from "vitest";
import type { Annex } from "../../../cli/api.ts";
import {
  declineHints,
  partialCapacityLine,
  requestSummary,
  saidYes,
} from "../../../cli/commands/create.ts";
import { offLine } from "../../../cli/commands/off.ts";
import { componentLine } from "../../../cli/commands/setup.ts";
import {
  formatClassAds,
  formatHistory,
  formatLeaseLeft,
  formatSpan,
  formatStatus,
  formatTable,
  statusSummary,
} from "../../../cli/format.ts";
import type { CreateBody } from "../../../cli/validate.ts";

const NOW = Date.parse("2026-01-01T10:00:00Z");

function annex(overrides: Partial<Annex> = {}): Annex {
  return {
    id: "01J0000000000000000000000A",
    name: "MyFirstAnnex",
    state: "running",
    instanceType: "m4.large",
    leaseExpiresAt: "2026-01-01T10:47:00Z",
    leaseRemainingSeconds: 47 * 60,
    instances: [
      {
        id: "i-0123456789abcdef0",
        type: "m4.large",
        state: "running",
        joined: true,
        idleSince: "2026-01-01T09:56:00Z",
      },
      { id: "i-0123456789abcdef1", type: "m4.large", state: "pending", joined: false },
    ],
    ...overrides,
  };
}

describe("formatSpan", () => {
  it.each([
    [30, "<1m"],
    [59 * 60 + 59, "59m"],
    [3600 + 5 * 60, "1h05m"],
    [2 * 86400 + 3 * 3600, "2d03h"],
    [-5, "<1m"],
  ])("%d s → %s", (seconds, text) => {
    expect(formatSpan(seconds)).toBe(text);
  });
});

describe("status formatting", () => {
  it("aligns columns without trailing blanks", () => {
    expect(
      formatTable(
        ["A", "BB"],
        [
          ["xxx", "y"],
          ["z", ""],
        ],
      ),
    ).toEqual(["A    BB", "xxx  y", "z"]);
  });

  it("prints one row per instance with joined, idle since, lease left, the annex's cost and budget on its first row, then the counts", () => {
    const lines = formatStatus([annex()], NOW);
    expect(lines[0]).toBe(
      "NAME          INSTANCE             TYPE      STATE    JOINED  IDLE SINCE  LEASE LEFT  COST  BUDGET",
    );
    expect(lines[1]).toBe(
      "MyFirstAnnex  i-0123456789abcdef0  m4.large  running  yes     4m ago      47m         -     -",
    );
    expect(lines[2]).toBe(
      "MyFirstAnnex  i-0123456789abcdef1  m4.large  pending  no      -           47m",
    );
    expect(lines[3]).toBe("");
    expect(lines[4]).toBe("1 annex, 2 instances: 1 pending, 1 running.");
  });

  it("shows an annex without instances by its own state, and why an ended annex ended", () => {
    const ended = annex({ name: "Old", state: "ended", endReason: "expired", instances: [] });
    const [, row] = formatStatus([ended], NOW);
    expect(row).toMatch(/^Old\s+-\s+m4\.large\s+\(ended\)\s+-\s+-\s+ended \(expired\)\s+-\s+-$/);
    expect(statusSummary([ended])).toBe("1 annex (1 ended), 0 instances.");
  });

  it("marks an ended annex with one row beside its live namesake, counting none of its instances", () => {
    const failed = annex({ id: "01J0000000000000000000000B", state: "ended", endReason: "failed" });
    const lines = formatStatus([annex(), failed], NOW);
    const rows = lines.slice(1, -2);
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatch(
      /^MyFirstAnnex\s+-\s+m4\.large\s+\(ended\)\s+-\s+-\s+ended \(failed\)\s+-\s+-$/,
    );
    expect(lines.at(-1)).toBe("2 annexes (1 ended), 2 instances: 1 pending, 1 running.");
  });

  it("says how many ended annexes it does not show, and where to see them", () => {
    expect(formatStatus([annex()], NOW, 2).at(-1)).toBe(
      "2 ended annexes not shown ('annex status --all' lists them).",
    );
    expect(formatStatus([], NOW, 1)).toEqual([
      "No live annexes.",
      "1 ended annex not shown ('annex status --all' lists them).",
    ]);
  });

  it("shows spend so far → projected and the budget with its share spent; the final cost once ended", () => {
    const cost = { spentUsd: 0.123, burnUsdPerHour: 0.96, projectedUsd: 0.7968, final: false };
    const live = annex({ cost, budgetUsd: 0.5 });
    const [, first] = formatStatus([live], NOW);
    expect(first).toMatch(/47m\s+\$0\.12→\$0\.80\s+\$0\.50 \(24%\)$/);
    const ended = annex({
      state: "ended",
      endReason: "budget",
      budgetUsd: 0.05,
      cost: { spentUsd: 0.0503, projectedUsd: 0.0503, final: true },
    });
    expect(formatStatus([ended], NOW)[1]).toMatch(/ended \(budget\)\s+\$0\.05\s+\$0\.05 \(100%\)$/);
    const partial = annex({ cost: { ...cost, unknownTypes: ["t9.mega"] } });
    expect(formatStatus([partial], NOW)[1]).toMatch(/\$0\.12→\$0\.80\+\s+-$/);
  });

  it("says 'expired' for a live annex past its lease and computes time left without the field", () => {
    expect(formatLeaseLeft(annex({ leaseRemainingSeconds: 0 }), NOW)).toBe("expired");
    expect(formatLeaseLeft(annex({ leaseRemainingSeconds: undefined }), NOW)).toBe("47m");
  });

  it("says there are no annexes", () => {
    expect(formatStatus([], NOW)).toEqual(["No annexes."]);
  });

  it("prints ClassAd-like blocks, one per instance", () => {
    const text = formatClassAds([annex()]).join("\n");
    expect(text).toContain('AnnexName = "MyFirstAnnex"\nAnnexId = "01J0000000000000000000000A"');
    expect(text).toContain('InstanceID = "i-0123456789abcdef0"');
    expect(text).toContain("Joined = true");
    expect(text.split("\n\n")).toHaveLength(2);
  });
});

describe("history formatting", () => {
  it("prints time, event and details with instance ids", () => {
    const lines = formatHistory(
      annex({
        events: [
          { at: "2026-01-01T09:00:00Z", type: "created", message: "requested 1" },
          {
            at: "2026-01-01T09:00:01.500Z",
            type: "launched",
            message: "launched 1 instance(s)",
            instanceIds: ["i-1"],
          },
        ],
      }),
    );
    expect(lines).toEqual([
      "TIME                     EVENT     DETAILS",
      "2026-01-01 09:00:00 UTC  created   requested 1",
      "2026-01-01 09:00:01 UTC  launched  launched 1 instance(s) (i-1)",
    ]);
  });

  it("says when nothing was recorded", () => {
    expect(formatHistory(annex({ events: [] }))).toEqual([
      "No events recorded for annex MyFirstAnnex.",
    ]);
  });
});

describe("create wording", () => {
  const body: CreateBody = {
    name: "A",
    clientToken: "t",
    kind: "on-demand",
    count: 1,
    instanceType: "m4.large",
    durationHours: 50 / 60,
    idleHours: 0.25,
  };

  it("summarizes the request exactly as condor_annex did", () => {
    expect(requestSummary(body)).toBe(
      "Will request 1 m4.large on-demand instance for 0.83 hours.  Each instance will terminate after being idle for 0.25 hours.",
    );
    expect(requestSummary({ ...body, kind: "spot-fleet", count: undefined, slots: 5 })).toBe(
      "Will request 5 spot slots for 0.83 hours.  Each instance will terminate after being idle for 0.25 hours.",
    );
  });

  it("accepts what the prompt asks for, yes in any case; anything else, y included, is no", () => {
    expect([saidYes("yes"), saidYes("YES "), saidYes(" Yes\r")]).toEqual([true, true, true]);
    const others = ["y", "Y", "no", "", undefined, "yess", "yes please"];
    expect(others.map(saidYes)).toEqual(others.map(() => false));
  });

  it("hints at the instance type only for on-demand annexes", () => {
    const spot = {
      command: "create" as const,
      yes: false,
      specified: { duration: true, idle: true, instanceType: false },
      body: { ...body, kind: "spot-fleet" as const },
    };
    expect(declineHints(spot)).toEqual(["Not starting an annex; user did not confirm.", ""]);
  });

  it("reports partial capacity only when fewer on-demand instances were launched", () => {
    const two = annex({ state: "provisioning" });
    expect(partialCapacityLine(two, { ...body, count: 3 })).toBe(
      "Only 2 of 3 requested instances could be started (not enough EC2 capacity); the annex will run with 2.",
    );
    expect(partialCapacityLine(two, { ...body, count: 2 })).toBeUndefined();
    expect(
      partialCapacityLine(annex({ state: "requested", instances: [] }), { ...body, count: 3 }),
    ).toBeUndefined();
  });
});

describe("setup and off wording", () => {
  it("prints a setup component in condor_annex's style, with what was done", () => {
    expect(
      componentLine({
        name: "security-group",
        label: "security group",
        status: "created",
        action: "created sg-1 in vpc-1, TCP 9618",
        seconds: 4.2,
      }),
    ).toBe(
      "Creating security group (took 4 seconds)... complete: created sg-1 in vpc-1, TCP 9618.",
    );
    expect(
      componentLine({
        name: "config-bucket",
        label: "configuration bucket",
        status: "unchanged",
        action: "verified bucket b",
        seconds: 0.1,
      }),
    ).toBe("Checking for configuration bucket... OK: verified bucket b.");
    expect(
      componentLine({
        name: "instance-profile",
        label: "instance profile",
        status: "failed",
        action: "instance profile p is missing: deploy the stack",
        seconds: 0,
      }),
    ).toBe(
      "Setting up instance profile... FAILED: instance profile p is missing: deploy the stack",
    );
  });

  it("confirms off with the number of instances EC2 is terminating", () => {
    expect(offLine({ name: "A", state: "ended", endReason: "off" }, 3)).toBe(
      "Annex A is shutting down: terminating 3 instances.",
    );
    expect(offLine({ name: "A", state: "stopping" }, 1)).toBe(
      "Annex A is shutting down: terminating 1 instance.",
    );
    expect(offLine({ name: "A", state: "ended", endReason: "expired" }, 0)).toBe(
      "Annex A had already ended (expired).",
    );
    expect(offLine({ name: "A", state: "ended", endReason: "off" }, 0)).toBe(
      "Annex A is off; no instances are left.",
    );
  });
});
