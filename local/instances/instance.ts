/**
 * One simulated instance: runs the real bootstrap script in its sandbox, then what systemd and
 * HTCondor would — the heartbeat timer, the armed power-off timers, and the startd's
 * STARTD_NOCLAIM_SHUTDOWN — until it powers off or EC2 takes it away.
 */

import { access, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_PATH, type Sandbox, type SandboxProcess, takeTimer } from "./sandbox.ts";

/** booting → joined (bootstrapped) or failed; then powered-off (by itself) and gone (from EC2). */
export type InstancePhase = "booting" | "joined" | "failed" | "powered-off" | "gone";

/** How often and how long the simulator lets an instance's processes run. */
export interface InstanceTiming {
  heartbeatMs: number;
  /** Longest a bootstrap may run before it is killed. */
  bootTimeoutMs: number;
  /** Longest one heartbeat or timer command may run. */
  commandTimeoutMs: number;
  /** Emulate the startd exiting after STARTD_NOCLAIM_SHUTDOWN seconds unclaimed. */
  idleShutdown: boolean;
}

/** What the simulator tells about one instance. */
export interface SimulatedInstance {
  readonly id: string;
  readonly sandbox: Sandbox;
  readonly phase: InstancePhase;
}

/** Drives one instance; `tick` is called by the simulator's loop, never concurrently. */
export class InstanceDriver implements SimulatedInstance {
  phase: InstancePhase = "booting";
  private readonly running = new Set<SandboxProcess>();
  private heartbeat: SandboxProcess | undefined;
  private lastHeartbeatAt = 0;
  private unclaimedSince = 0;
  private noClaimShutdownMs: number | undefined;
  private idleShutdownDone = false;

  constructor(
    readonly id: string,
    readonly sandbox: Sandbox,
    private readonly timing: InstanceTiming,
    private readonly now: () => number,
    private readonly onPhase: (instance: InstanceDriver, message: string) => void,
  ) {}

  /** Boots from the script, or resumes an instance a previous run already bootstrapped. */
  async start(script: string): Promise<void> {
    if (await this.sandbox.poweredOff())
      return this.setPhase("powered-off", "was already powered off");
    if (await exists(join(this.sandbox.root, "var/lib/cloud-annex/heartbeat.curl"))) {
      return this.joined("resumed (bootstrapped in an earlier run)");
    }
    const boot = this.track(await this.sandbox.boot(script, this.timing.bootTimeoutMs));
    this.onPhase(this, "booting: running the bootstrap script");
    void boot.exited.then((code) => {
      if (this.phase !== "booting") return;
      if (code === 0) return this.joined("bootstrapped and joined");
      this.setPhase("failed", `bootstrap script exited with ${code ?? "a signal"}`);
    });
  }

  async tick(): Promise<void> {
    if (this.phase === "gone" || this.phase === "powered-off") return;
    await this.fireDueTimers();
    if (await this.sandbox.poweredOff()) return this.setPhase("powered-off", "powered itself off");
    if (this.phase !== "joined") return;
    const now = this.now();
    if (this.heartbeat === undefined && now - this.lastHeartbeatAt >= this.timing.heartbeatMs) {
      this.lastHeartbeatAt = now;
      const proc = this.track(
        this.sandbox.run(
          [join(this.sandbox.root, AGENT_PATH), "heartbeat"],
          this.timing.commandTimeoutMs,
        ),
      );
      this.heartbeat = proc;
      void proc.exited.then(() => {
        this.heartbeat = undefined;
      });
    }
    await this.emulateNoClaimShutdown(now);
  }

  /** EC2 no longer runs the instance: stop everything it was doing. */
  gone(): void {
    this.kill();
    this.setPhase("gone", "no longer running in EC2");
  }

  kill(): void {
    for (const proc of this.running) proc.kill();
  }

  async settled(): Promise<void> {
    await Promise.all([...this.running].map((proc) => proc.exited));
  }

  private async joined(message: string): Promise<void> {
    this.lastHeartbeatAt = this.now();
    this.unclaimedSince = this.now();
    this.noClaimShutdownMs = await noClaimShutdownMs(this.sandbox.root);
    this.setPhase("joined", message);
  }

  private async fireDueTimers(): Promise<void> {
    for (const timer of await this.sandbox.timers()) {
      if (timer.fireAt > this.now()) continue;
      const command = await takeTimer(this.sandbox, timer);
      if (command) await this.track(this.sandbox.run(command, this.timing.commandTimeoutMs)).exited;
    }
  }

  private async emulateNoClaimShutdown(now: number): Promise<void> {
    if (!this.timing.idleShutdown || this.noClaimShutdownMs === undefined || this.idleShutdownDone)
      return;
    const state = (
      await readFile(join(this.sandbox.dir, "condor-state"), "utf8").catch(() => "idle")
    ).trim();
    if (state !== "idle") this.unclaimedSince = now;
    if (now - this.unclaimedSince < this.noClaimShutdownMs) return;
    this.idleShutdownDone = true;
    this.onPhase(
      this,
      "startd unclaimed for STARTD_NOCLAIM_SHUTDOWN; HTCondor shuts the instance down",
    );
    const shutdown = join(this.sandbox.dir, "bin", "shutdown");
    await this.track(
      this.sandbox.run(
        [shutdown, "-P", "now", "STARTD_NOCLAIM_SHUTDOWN"],
        this.timing.commandTimeoutMs,
      ),
    ).exited;
  }

  private track(proc: SandboxProcess): SandboxProcess {
    this.running.add(proc);
    void proc.exited.then(() => this.running.delete(proc));
    return proc;
  }

  private setPhase(phase: InstancePhase, message: string): void {
    if (this.phase === phase) return;
    this.phase = phase;
    this.onPhase(this, message);
  }
}

/** STARTD_NOCLAIM_SHUTDOWN from the installed HTCondor configuration, in milliseconds. */
async function noClaimShutdownMs(root: string): Promise<number | undefined> {
  const dir = join(root, "etc/condor/config.d");
  let value: number | undefined;
  for (const file of (await readdir(dir).catch(() => [] as string[])).sort()) {
    const text = await readFile(join(dir, file), "utf8").catch(() => "");
    for (const match of text.matchAll(/^\s*STARTD_NOCLAIM_SHUTDOWN\s*=\s*(\d+)\s*$/gim)) {
      value = Number(match[1]) * 1000;
    }
  }
  return value;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
