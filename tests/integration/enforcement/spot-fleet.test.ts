import { DescribeSpotFleetRequestsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Annex } from "../../../shared/domain/annex.ts";
import { ec2At } from "../../support/sdk.ts";
import { spotRequest } from "../../support/spot-fleet.ts";
import {
  type EnforcementStack,
  firstTickAtOrAfter,
  OWNER,
  startEnforcementStack,
} from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

/** Creates a spot-fleet annex through the real create use-case at the EC2 clock's time. */
async function createSpot(name: string, durationHours: number): Promise<Annex> {
  const wiring = await import("../../../shared/composition/priced-annexes.ts");
  const { createAnnex } = await import("../../../shared/use-cases/annexes/create-annex.ts");
  const body = spotRequest(name, { durationHours, idleHours: Math.min(0.25, durationHours) });
  const { annex } = await createAnnex(wiring.pricedAnnexPorts, OWNER, body, s.now());
  expect(annex).toMatchObject({ kind: "spot-fleet", state: "provisioning" });
  return annex;
}

const instancesOf = (annex: Annex) =>
  s.control.instances().filter((i) => i.tags["annex:id"] === annex.id);
const running = (annex: Annex) =>
  instancesOf(annex).filter((i) => i.state === "pending" || i.state === "running");

async function fleetState(annex: Annex): Promise<string | undefined> {
  const ec2 = ec2At(s.stack.awsEndpoint);
  const answer = await ec2.send(
    new DescribeSpotFleetRequestsCommand({ SpotFleetRequestIds: [annex.fleetId ?? ""] }),
  );
  ec2.destroy();
  return answer.SpotFleetRequestConfigs?.[0]?.SpotFleetRequestState;
}

describe("enforcer: spot-fleet annexes", () => {
  it("leaves a live fleet annex alone while its instances have not bootstrapped (no records yet)", async () => {
    const annex = await createSpot("SpotNoRecords", 0.5);
    expect(await s.instances.listInstances(annex.id)).toHaveLength(0);
    const count = running(annex).length;
    expect(count).toBeGreaterThan(0);
    for (const at of [s.now(), s.now() + 60, s.now() + 120]) await s.sweep(at);
    expect(await s.annex(annex.id)).toMatchObject({ state: "provisioning" });
    expect(running(annex)).toHaveLength(count);
    expect(await fleetState(annex)).toBe("active");
  });

  it("ends the annex and cancels its fleet at the lease end", async () => {
    const annex = await createSpot("SpotExpires", 0.1);
    const tick = firstTickAtOrAfter(annex.leaseExpiresAt, s.now() + 7);
    await s.sweep(tick - 60);
    expect(running(annex).length).toBeGreaterThan(0);
    await s.sweep(tick);
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
    expect(running(annex)).toHaveLength(0);
    expect(await fleetState(annex)).toMatch(/^cancelled/);
  });

  it("cancels the fleet itself when a shortened lease ends before the fleet's ValidUntil", async () => {
    const annex = await createSpot("SpotShortened", 0.5);
    const { resetLease } = await import("../../../shared/use-cases/annexes/reset-lease.ts");
    const wiring = await import("../../../shared/composition/annexes.ts");
    const shortened = await resetLease(
      wiring.annexPorts,
      OWNER,
      "SpotShortened",
      { durationHours: 0.1 },
      s.now(),
    );
    expect(shortened.leaseExpiresAt).toBeLessThan(annex.fleetValidUntil ?? 0);
    // One instance bootstrapped (recorded), the others not yet.
    const [first] = running(annex);
    await s.instances.addInstances([
      {
        annexId: annex.id,
        instanceId: first?.instanceId ?? "",
        instanceType: first?.instanceType ?? "",
        ec2State: "running",
        launchedAt: s.now(),
        bootstrappedAt: s.now(),
        version: 1,
      },
    ]);
    const report = await s.sweep(firstTickAtOrAfter(shortened.leaseExpiresAt, s.now()));
    expect(await s.annex(annex.id)).toMatchObject({ state: "ended", endReason: "expired" });
    expect(report.annexesEnded).toBeGreaterThanOrEqual(1);
    expect(running(annex)).toHaveLength(0);
    expect(await fleetState(annex)).toMatch(/^cancelled/);
    expect((await s.record(annex.id, first?.instanceId ?? "")).endedAt).toBeDefined();
  });
});
