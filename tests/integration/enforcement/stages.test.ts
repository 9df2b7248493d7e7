/**
 * Two stages in one account and region: this stack is stage `local`; instances launched by
 * another stage (`prod`, tagged so, of annexes this stage's table does not know) share its EC2.
 * Every sweep — the window sweep each tick, the hourly full sweep, a lease end — leaves them
 * alone, as it leaves instances launched before launches carried their stage unless their annex
 * is in this stage's table.
 */

import { DeleteTagsCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_NAMES } from "../../../local/stack.ts";
import type { Annex } from "../../../shared/domain/annex.ts";
import { ec2At } from "../../support/sdk.ts";
import { type EnforcementStack, OWNER, startEnforcementStack, TICK } from "./helpers.ts";

let s: EnforcementStack;
beforeAll(async () => {
  s = await startEnforcementStack();
});
afterAll(() => s.stack.stop());

/** An annex of another stage's table (or one this stage forgot): same owner, same name. */
const theirs = (name: string, leaseExpiresAt: number): Annex =>
  ({
    id: `01P${name.toUpperCase().padEnd(23, "0")}`,
    name,
    owner: OWNER,
    leaseExpiresAt,
    tags: {},
  }) as Annex;

const tagsOf = (id: string) => s.stack.aws.ec2.control.instance(id)?.tags ?? {};

/** Takes the stage tag off, as on an instance launched before launches carried it. */
async function unstage(ids: string[]) {
  const ec2 = ec2At(s.stack.awsEndpoint);
  await ec2.send(new DeleteTagsCommand({ Resources: ids, Tags: [{ Key: "annex:stage" }] }));
  ec2.destroy();
}

describe("two stages in one account", () => {
  it("tags every instance it launches with its stage", async () => {
    const { ids } = await s.create("Tagged", { count: 2, durationHours: 1 });
    for (const id of ids) expect(tagsOf(id)["annex:stage"]).toBe(LOCAL_NAMES.stage);
  });

  it("never terminates another stage's instances: not at its own annex's lease end, not in the window sweep, not in the full sweep", async () => {
    const { annex, ids } = await s.create("Shared", {
      count: 2,
      durationHours: 0.1,
      idleHours: 0.1,
    });
    // The other stage's annex has the same owner and name, and its lease ended already.
    const other = await s.runTagged(theirs("Shared", s.now() - 60), 3, { stage: "prod" });
    const reports = [await s.sweep(s.now() + TICK)];
    reports.push(await s.sweep(annex.leaseExpiresAt + 1)); // ours ends
    reports.push(await s.sweep(s.now() + 3600)); // the full sweep
    expect(reports.map((report) => report.fullSweep)).toContain(true);
    expect(ids.map(s.ec2State).every((state) => state !== "running")).toBe(true);
    expect((await s.annex(annex.id)).state).toBe("ended");
    expect(other.map(s.ec2State)).toEqual(["running", "running", "running"]);
    expect(reports.map((report) => report.instancesTerminated.orphan)).toEqual([0, 0, 0]);
  });

  it("judges an instance without a stage tag only by an annex of this stage's table", async () => {
    const { annex, ids } = await s.create("Legacy", { count: 1, durationHours: 8 });
    const [stranger = ""] = await s.runTagged(theirs("Stranger", s.now() - 60), 1);
    await unstage([...ids, stranger]);
    const { stopAnnex } = await import("../../../shared/use-cases/annexes/stop-annex.ts");
    const { pricedAnnexPorts: annexPorts } = await import(
      "../../../shared/composition/priced-annexes.ts"
    );
    await stopAnnex(annexPorts, OWNER, annex.name, s.now()); // ends its own, unstaged or not
    expect(ids.map(s.ec2State).every((state) => state !== "running")).toBe(true);
    const [leftOver = ""] = await s.runTagged(annex, 1); // a launch that landed after `off`
    await unstage([leftOver]);

    const hourLater = await s.sweep(s.now() + 3600);
    expect(hourLater.fullSweep).toBe(true);
    expect(s.ec2State(leftOver)).not.toBe("running"); // its annex is ours, and ended
    expect(s.ec2State(stranger)).toBe("running"); // no annex of ours: maybe another stage's
    expect(await s.eventTypes(annex.id)).toContain("orphan-reaped");
  });
});
