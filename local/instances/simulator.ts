/**
 * The local instance simulator: every emulated EC2 instance that is running and carries the
 * cloud-annex bootstrap script in its user data runs THE REAL script in a sandbox folder, with
 * the emulator's metadata service as IMDS and recording stubs for the system commands. A stub
 * power-off calls the emulator, so the instance ends the way its shutdown behaviour says.
 * Instances are listed through the emulator's control interface, not the EC2 API, so the
 * simulator neither spends the API's throttling buckets nor meets its injected faults.
 */

import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { extractBootstrapScript } from "../../instance/user-data.ts";
import type { Clock } from "../clock.ts";
import { InstanceDriver, type InstancePhase, type SimulatedInstance } from "./instance.ts";
import { type CondorState, createSandbox } from "./sandbox.ts";

/** Where the simulator finds the emulated world, and how fast simulated time runs. */
export interface InstanceSimulatorOptions {
  /** The local AWS endpoint: `/_ec2/instances`, `/_imds/<id>`, `/_ec2/instances/<id>/power-off`. */
  awsEndpoint: string;
  /** Folder holding one sandbox per instance (`<sandboxRoot>/<instance-id>`); relative to the working directory at start. */
  sandboxRoot: string;
  /** Seconds between heartbeats (the script's timer says 60 on a real instance). Default 5. */
  heartbeatSeconds?: number;
  /** How often the simulator looks for instances and runs due timers. Default 1000 ms. */
  pollMs?: number;
  /** The instance's metadata service. Default `<awsEndpoint>/_imds/<id>`. */
  imdsUrl?: (instanceId: string) => string;
  /** The emulator's power-off route. Default `<awsEndpoint>/_ec2/instances/<id>/power-off`. */
  powerOffUrl?: (instanceId: string) => string;
  /** Extra environment for the script (ANNEX_BACKOFF_INITIAL_MS, ANNEX_BOOT_GRACE_SECONDS, …). */
  scriptEnv?: Record<string, string>;
  /** What the condor stubs report at first. Default idle. */
  initialCondorState?: CondorState;
  /** Emulate STARTD_NOCLAIM_SHUTDOWN from the installed configuration. Default true. */
  idleShutdown?: boolean;
  /** A clock other than the wall clock: the sandboxes' `date` and timers follow it. */
  clock?: Clock;
  /** A round that failed (e.g. the local AWS did not answer); default: a line on stderr. */
  onError?: (error: unknown) => void;
  /** Told about every phase change (booting, joined, failed, powered-off, gone). */
  onEvent?: (event: { instanceId: string; phase: InstancePhase; message: string }) => void;
}

/** A running simulator; `stop()` ends every process it started. */
export interface InstanceSimulator {
  instances(): SimulatedInstance[];
  get(instanceId: string): SimulatedInstance | undefined;
  /** Flips what the instance's condor stubs report (a job arrives or leaves). */
  setCondorState(instanceId: string, state: CondorState): Promise<void>;
  /** Runs one round now (discovery, timers, heartbeats); the loop does this every `pollMs`. */
  tick(): Promise<void>;
  /** Stops the loop and kills every process the simulator started. */
  stop(): Promise<void>;
}

/** Starts watching the emulated instances. */
export async function startInstanceSimulator(
  options: InstanceSimulatorOptions,
): Promise<InstanceSimulator> {
  const base = options.awsEndpoint.replace(/\/$/, "");
  const imdsUrl = options.imdsUrl ?? ((id: string) => `${base}/_imds/${id}`);
  const powerOffUrl =
    options.powerOffUrl ?? ((id: string) => `${base}/_ec2/instances/${id}/power-off`);
  const now = () => options.clock?.now() ?? Date.now();
  const onError =
    options.onError ?? ((error) => process.stderr.write(`instance simulator: ${String(error)}\n`));
  const drivers = new Map<string, InstanceDriver>();
  const ignored = new Set<string>();
  // Resolved once: a later change of the working directory must not move the sandboxes.
  const sandboxRoot = resolve(options.sandboxRoot);
  await mkdir(sandboxRoot, { recursive: true });

  const discover = async (id: string, userData: string | undefined) => {
    const script = userData === undefined ? undefined : extractBootstrapScript(userData);
    if (script === undefined) return void ignored.add(id);
    const sandbox = await createSandbox(join(sandboxRoot, id), {
      imdsUrl: imdsUrl(id),
      powerOffUrl: powerOffUrl(id),
      env: { ANNEX_HEARTBEAT_SECONDS: String(options.heartbeatSeconds ?? 5), ...options.scriptEnv },
      condorState: options.initialCondorState,
      clockMs: options.clock ? now() : undefined,
    });
    const timing = {
      heartbeatMs: (options.heartbeatSeconds ?? 5) * 1000,
      bootTimeoutMs: 30 * 60_000,
      commandTimeoutMs: 60_000,
      idleShutdown: options.idleShutdown ?? true,
    };
    const driver = new InstanceDriver(id, sandbox, timing, now, (instance, message) =>
      options.onEvent?.({ instanceId: instance.id, phase: instance.phase, message }),
    );
    drivers.set(id, driver);
    await driver.start(script);
  };

  let round: Promise<void> | undefined;
  const tick = () => {
    round ??= (async () => {
      try {
        const live = await runningInstances(`${base}/_ec2/instances`);
        for (const [id, driver] of drivers)
          if (!live.has(id) && driver.phase !== "gone") driver.gone();
        for (const [id, userData] of live) {
          if (!drivers.has(id) && !ignored.has(id)) await discover(id, userData);
        }
        for (const driver of drivers.values()) {
          if (options.clock) await driver.sandbox.setClock(now());
          await driver.tick();
        }
      } catch (error) {
        onError(error);
      } finally {
        round = undefined;
      }
    })();
    return round;
  };
  const loop = setInterval(() => void tick(), options.pollMs ?? 1000);

  return {
    instances: () => [...drivers.values()],
    get: (id) => drivers.get(id),
    async setCondorState(id, state) {
      const driver = drivers.get(id);
      if (driver === undefined) throw new Error(`no simulated instance ${id}`);
      await driver.sandbox.setCondorState(state);
    },
    tick,
    async stop() {
      clearInterval(loop);
      await round;
      for (const driver of drivers.values()) driver.kill();
      await Promise.all([...drivers.values()].map((driver) => driver.settled()));
    },
  };
}

/** Running instances and their user data, from the emulator's control interface. */
async function runningInstances(url: string): Promise<Map<string, string | undefined>> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const { instances } = (await res.json()) as {
    instances: Array<{ instanceId: string; state: string; userData?: string }>;
  };
  return new Map(
    instances.filter((i) => i.state === "running").map((i) => [i.instanceId, i.userData]),
  );
}
