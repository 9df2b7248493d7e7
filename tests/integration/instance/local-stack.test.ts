import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type InstanceSimulator,
  startInstanceSimulator,
} from "../../../local/instances/simulator.ts";
import type { LocalStack } from "../../../local/stack.ts";
import { scramblePoolPassword } from "../../../shared/domain/condor-config.ts";
import {
  apiClient,
  createRequest,
  POOL_PASSWORD,
  SETUP,
  startTestStack,
} from "../../support/stack.ts";
import { FAST_ENV, removeTemporaryFolders, temporaryFolder } from "./helpers.ts";

type Annex = {
  id: string;
  leaseExpiresAt: string;
  instances: Array<{ id: string; joined: boolean; idleSince?: string }>;
};

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe("simulated instances on the in-process local stack", () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let simulator: InstanceSimulator;
  let annex: Annex;
  const instanceId = () => annex.instances[0]?.id ?? "";
  const sandbox = () => {
    const instance = simulator.get(instanceId());
    if (instance === undefined) throw new Error("the simulator has not picked up the instance");
    return instance.sandbox;
  };
  const status = async (name: string) =>
    (await api<{ annex: Annex }>("GET", `/annexes/${name}`)).body.annex;

  beforeAll(async () => {
    stack = await startTestStack();
    api = apiClient(stack);
    // Its idle instance shuts down in seconds: below the pool's default shortest idle timeout.
    const limits = { minDurationHours: 0.001, minIdleHours: 0.001 };
    expect((await api("POST", "/setup", { ...SETUP, limits })).status).toBe(200);
    simulator = await startInstanceSimulator({
      awsEndpoint: stack.awsEndpoint,
      sandboxRoot: await temporaryFolder("annex-stack-sim-"),
      heartbeatSeconds: 1,
      pollMs: 200,
      scriptEnv: FAST_ENV,
      idleShutdown: false,
    });
    const created = await api<{ annex: Annex }>(
      "POST",
      "/annexes",
      createRequest("Simulated", { durationHours: 1 }),
    );
    expect(created.status).toBe(201);
    annex = created.body.annex;
    await waitFor("the instance to join", () => simulator.get(instanceId())?.phase === "joined");
  }, 60_000);
  afterAll(async () => {
    await simulator?.stop();
    await stack?.stop();
    await removeTemporaryFolders();
  });

  it("bootstraps through the emulated IMDS and installs this annex's bundle, secrets root-only", async () => {
    const condor = join(sandbox().root, "etc/condor");
    const config = await readFile(join(condor, "config.d/50-annex.config"), "utf8");
    expect(config).toContain('AnnexName = "Simulated"');
    expect(config).toContain(`AnnexId = "${annex.id}"`);
    expect(await readFile(join(condor, "passwords.d/POOL"))).toEqual(
      scramblePoolPassword(POOL_PASSWORD),
    );
    expect(await mode(join(condor, "passwords.d/POOL"))).toBe("600");
    expect(await mode(join(condor, "passwords.d"))).toBe("700");
    expect((await status("Simulated")).instances[0]?.joined).toBe(true);
    expect(await sandbox().console()).not.toContain(POOL_PASSWORD);
  });

  it("requests the metadata block rule", async () => {
    const inserts = (await sandbox().calls("iptables")).filter((call) => call.args.includes("-I"));
    expect(inserts.map((call) => call.args.join(" "))).toEqual([
      "-w -I OUTPUT -d 169.254.169.254 -m owner ! --uid-owner 0 -j REJECT",
    ]);
  });

  it("arms a power-off at the lease end", async () => {
    const lease = epoch(annex.leaseExpiresAt);
    expect((await sandbox().timers()).map((timer) => timer.unit)).toEqual([
      `cloud-annex-lease-${lease}`,
    ]);
  });

  it("heartbeats: a busy report reaches the service", async () => {
    const before = (await status("Simulated")).instances[0]?.idleSince;
    await simulator.setCondorState(instanceId(), "busy");
    await waitFor(
      "a busy heartbeat",
      async () => (await status("Simulated")).instances[0]?.idleSince !== before,
    );
    await simulator.setCondorState(instanceId(), "idle");
  });

  it("re-arms the power-off after a lease reset", async () => {
    const old = `cloud-annex-lease-${epoch(annex.leaseExpiresAt)}`;
    const reset = await api<{ annex: Annex }>("PATCH", "/annexes/Simulated", { durationHours: 2 });
    expect(reset.status).toBe(200);
    const unit = `cloud-annex-lease-${epoch(reset.body.annex.leaseExpiresAt)}`;
    expect(unit).not.toBe(old);
    const units = async () => (await sandbox().timers()).map((timer) => timer.unit).join(" ");
    await waitFor("the new timer to replace the old", async () => (await units()) === unit);
    const stops = (await sandbox().calls("systemctl")).filter((call) => call.args[0] === "stop");
    expect(stops.map((call) => call.args[1])).toEqual([`${old}.timer`]);
  });

  it("powers off on a stop answer (idle past its deadline), and EC2 terminates it", async () => {
    const idle = await api<{ annex: Annex }>(
      "POST",
      "/annexes",
      createRequest("Idle", { idleHours: 0.001 }),
    );
    const id = idle.body.annex.instances[0]?.id ?? "";
    await waitFor(
      "the idle instance to power off",
      async () => simulator.get(id)?.phase === "gone",
    );
    const poweredOff = await simulator.get(id)?.sandbox.poweredOff();
    expect(poweredOff?.reason).toContain("asked this instance to stop");
    expect(stack.aws.ec2.control.instance(id)?.state).toMatch(/shutting-down|terminated/);
  });
});
