import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { renderUserData } from "../../../instance/user-data.ts";
import type { InstancePhase } from "../../../local/instances/instance.ts";
import { createSandbox } from "../../../local/instances/sandbox.ts";
import {
  type InstanceSimulator,
  startInstanceSimulator,
} from "../../../local/instances/simulator.ts";
import {
  type FakeCloud,
  INSTANCE_ID,
  makeBundle,
  SERVER_ID,
  startFakeCloud,
} from "./fake-cloud.ts";
import { FAST_ENV, removeTemporaryFolders, temporaryFolder } from "./helpers.ts";

afterAll(removeTemporaryFolders);

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the instance simulator", () => {
  let cloud: FakeCloud;
  let simulator: InstanceSimulator;
  let events: { phase: InstancePhase; message: string }[];

  beforeEach(async () => {
    cloud = await startFakeCloud();
    cloud.userData = renderUserData({
      apiUrl: cloud.apiUrl,
      stsUrl: cloud.stsUrl,
      stsRegion: "us-east-1",
      serverId: SERVER_ID,
      bootGraceSeconds: 60,
      userData: "#!/bin/sh\ntrue\n",
    });
    events = [];
  });
  afterEach(async () => {
    await simulator?.stop();
    await cloud.stop();
  });

  const start = async (sandboxRoot?: string) => {
    simulator = await startInstanceSimulator({
      awsEndpoint: cloud.url,
      sandboxRoot: sandboxRoot ?? (await temporaryFolder("annex-sim-")),
      heartbeatSeconds: 1,
      pollMs: 200,
      scriptEnv: FAST_ENV,
      onEvent: (event) => events.push(event),
    });
  };
  const phase = () => simulator.get(INSTANCE_ID)?.phase;
  const heartbeats = () =>
    cloud.requestsTo("/api/heartbeat").map((request) => JSON.parse(request.body));

  it("boots the real script from multipart user data, heartbeats, and ends on a stop answer", async () => {
    await start();
    await waitFor("the instance to join", () => phase() === "joined");
    await waitFor("three heartbeats", () => heartbeats().length >= 3);
    expect(heartbeats().at(-1)?.state).toBe("idle");

    await simulator.setCondorState(INSTANCE_ID, "busy");
    await waitFor("a busy heartbeat", () => heartbeats().at(-1)?.state === "busy");

    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: cloud.lease, instruction: "stop" };
    await waitFor("EC2 to see the power-off", () => !cloud.ec2Running);
    await waitFor("the simulator to let the instance go", () => phase() === "gone");
    expect(events.map((event) => event.phase).slice(0, 2)).toEqual(["booting", "joined"]);
    expect((await simulator.get(INSTANCE_ID)?.sandbox.poweredOff())?.reason).toContain(
      "asked this instance to stop",
    );
    const count = heartbeats().length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(heartbeats()).toHaveLength(count);
  });

  it("runs the script in a sandbox folder given relative to where it started, with spaces", async () => {
    const base = await temporaryFolder("annex sim base ");
    const previous = process.cwd();
    process.chdir(base);
    try {
      await start("data dir/instances");
    } finally {
      // Where the process goes after the start must not move the sandboxes.
      process.chdir(previous);
    }
    await waitFor("the instance to join", () => phase() === "joined");
    await waitFor("a heartbeat", () => heartbeats().length >= 1);
    const sandbox = simulator.get(INSTANCE_ID)?.sandbox;
    expect(sandbox?.dir).toBe(join(base, "data dir", "instances", INSTANCE_ID));
    expect(await sandbox?.console()).not.toMatch(/No such file/);
  });

  it("runs the script in an absolute sandbox folder with spaces", async () => {
    await start(join(await temporaryFolder("annex sim "), "state folder", "instances"));
    await waitFor("the instance to join", () => phase() === "joined");
    await waitFor("a heartbeat", () => heartbeats().length >= 1);
  });

  it("powers the instance off when the armed lease timer elapses, without the backend", async () => {
    cloud.lease = Math.floor(Date.now() / 1000) + 4;
    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: cloud.lease, instruction: "continue" };
    await start();
    await waitFor("the instance to join", () => phase() === "joined");
    cloud.bootstrapDown = true;
    await waitFor("the lease power-off", () => !cloud.ec2Running);
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(cloud.lease);
    expect((await simulator.get(INSTANCE_ID)?.sandbox.poweredOff())?.reason).toContain(
      "lease has ended",
    );
  });

  it("shuts an unclaimed instance down after STARTD_NOCLAIM_SHUTDOWN, not a busy one", async () => {
    cloud.bundle = await makeBundle({
      "config.d/50-annex.config": "STARTD_NOCLAIM_SHUTDOWN = 2\n",
    });
    await start();
    await waitFor("the instance to join", () => phase() === "joined");
    await simulator.setCondorState(INSTANCE_ID, "busy");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(cloud.ec2Running).toBe(true);
    await simulator.setCondorState(INSTANCE_ID, "idle");
    await waitFor("the idle shutdown", () => !cloud.ec2Running);
    expect((await simulator.get(INSTANCE_ID)?.sandbox.poweredOff())?.reason).toBe(
      "STARTD_NOCLAIM_SHUTDOWN",
    );
  });

  it("leaves alone an instance whose user data is not ours", async () => {
    cloud.userData = "#!/bin/sh\necho not an annex\n";
    await start();
    await simulator.tick();
    await simulator.tick();
    expect(simulator.instances()).toEqual([]);
    expect(cloud.requestsTo("/api/bootstrap")).toEqual([]);
  });
});

describe("a sandbox on a simulated clock", () => {
  it("tells the script and its stubs the simulated time", async () => {
    const start = Date.UTC(2030, 0, 1);
    const sandbox = await createSandbox(await temporaryFolder("annex-clock-"), {
      imdsUrl: "http://127.0.0.1:1",
      clockMs: start,
    });
    const date = join(sandbox.dir, "bin", "date");
    const run = (args: string[]) =>
      execFileSync(date, args, { env: sandbox.env }).toString().trim();
    expect(run(["+%s%3N"])).toBe(String(start));
    await sandbox.setClock(start + 90_500);
    expect(run(["+%s%3N"])).toBe(String(start + 90_500));
    expect(run(["-u", "-d", "@0", "+%Y"])).toBe("1970");

    await sandbox.run(
      [join(sandbox.dir, "bin", "systemd-run"), "--unit=t", "--on-active=60s", "true"],
      5000,
    ).exited;
    expect(await sandbox.timers()).toEqual([
      { unit: "t", fireAt: start + 90_500 + 60_000, command: ["true"] },
    ]);
  });
});
