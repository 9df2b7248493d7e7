/**
 * The enforcement tests' stack: the local AWS on a ManualClock (EC2's clock), with annexes made
 * by the real create use-case at the same explicit time, so DynamoDB and EC2 agree on "now".
 * Sweeps run the real use-case over the real adapters with an explicit `now`; before each, the
 * EC2 clock is moved up to it (it only moves forward).
 */

import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { expect } from "vitest";
import { LOCAL_NAMES, type LocalStack } from "../../../local/stack.ts";
import type { Annex, AnnexInstance } from "../../../shared/domain/annex.ts";
import { applyHeartbeat, idleDeadlineAtBootstrap } from "../../../shared/domain/lease.ts";
import { launchTags } from "../../../shared/domain/tags.ts";
import { updateInstance } from "../../../shared/enforcement/reconcile.ts";
import type { SweepReport } from "../../../shared/enforcement/report.ts";
import { ec2At } from "../../support/sdk.ts";
import {
  createRequest,
  ManualClock,
  SETUP,
  startTestStack,
  TEST_IMAGE,
} from "../../support/stack.ts";

export const OWNER = "arn:aws:iam::000000000000:user/alice";
/** The enforcer's tick in AWS (EventBridge rate(1 minute)). */
export const TICK = 60;

/** Everything an enforcement test needs; start one per test file. */
export async function startEnforcementStack(environment: Record<string, string> = {}) {
  const clock = new ManualClock(Math.ceil(Date.now() / 1000) * 1000);
  const stack = await startTestStack({ ec2: { clock }, environment });
  // Imported once the stack has set the environment the adapters are built from.
  const storage = await import("../../../shared/composition/storage.ts");
  const { pricedAnnexPorts: annexPorts } = await import(
    "../../../shared/composition/priced-annexes.ts"
  );
  const { sweepPorts } = await import("../../../shared/composition/sweep.ts");
  const { createAnnex } = await import("../../../shared/use-cases/annexes/create-annex.ts");
  const { runSweep } = await import("../../../shared/enforcement/sweep.ts");
  const now = () => Math.floor(clock.now() / 1000);
  /** Moves EC2's clock up to `at` (epoch seconds); never back. */
  const moveTo = (at: number) => {
    if (at * 1000 > clock.now()) clock.advance(at * 1000 - clock.now());
  };
  const setup = (await stack.invoke("setup", { ...SETUP, owner: OWNER })) as { ok: boolean };
  expect(setup.ok).toBe(true);
  const annexes = storage.annexRepository;
  const instances = storage.instanceRepository;
  const control = stack.aws.ec2.control;
  const record = async (annexId: string, instanceId: string): Promise<AnnexInstance> => {
    const found = await instances.getInstance(annexId, instanceId);
    if (found === undefined) throw new Error(`no record of ${instanceId}`);
    return found;
  };

  return {
    stack,
    clock,
    control,
    annexes,
    instances,
    ports: sweepPorts,
    now,
    moveTo,
    /** Creates an annex through the real create use-case at the EC2 clock's time. */
    async create(
      name: string,
      overrides: Record<string, unknown> = {},
    ): Promise<{ annex: Annex; ids: string[] }> {
      const { annex } = await createAnnex(annexPorts, OWNER, createRequest(name, overrides), now());
      const records = await instances.listInstances(annex.id);
      return { annex, ids: records.map((record) => record.instanceId) };
    },
    /** One enforcer tick at `at` (default: the EC2 clock's time). */
    async sweep(at = now()): Promise<SweepReport> {
      moveTo(at);
      return runSweep(sweepPorts, { now: at, timeLeft: () => 30_000 });
    },
    /** EC2's state of an instance ("gone" once EC2 forgot it). */
    ec2State: (id: string) => control.instance(id)?.state ?? "gone",
    async annex(id: string): Promise<Annex> {
      const annex = await annexes.getAnnex(id);
      if (annex === undefined) throw new Error(`no annex ${id}`);
      return annex;
    },
    record,
    async eventTypes(annexId: string): Promise<string[]> {
      return (await instances.listEvents(annexId)).map((event) => event.type);
    },
    /** The instance joined the pool at `at` (as bootstrap records it): idle counts from then. */
    async bootstrapped(annex: Annex, instanceId: string, at: number): Promise<void> {
      const idleDeadline = idleDeadlineAtBootstrap(at, annex.idleTimeoutSeconds);
      await updateInstance({ instances }, await record(annex.id, instanceId), (current) => ({
        ...current,
        bootstrappedAt: at,
        idleDeadline,
      }));
    },
    /** One heartbeat, as the heartbeat route records it. */
    async heartbeat(
      annex: Annex,
      instanceId: string,
      state: "idle" | "busy",
      at: number,
    ): Promise<void> {
      await updateInstance({ instances }, await record(annex.id, instanceId), (current) =>
        applyHeartbeat(current, { state, at }, annex.idleTimeoutSeconds),
      );
    },
    /**
     * RunInstances by hand with the annex's launch tags (what create does before it records
     * anything), for `stage` (this stack's unless told).
     */
    async runTagged(
      annex: Annex,
      count: number,
      options: { spot?: boolean; stage?: string } = {},
    ): Promise<string[]> {
      const { spot = false, stage = LOCAL_NAMES.stage } = options;
      const ec2 = ec2At(stack.awsEndpoint);
      const result = await ec2.send(
        new RunInstancesCommand({
          ImageId: TEST_IMAGE,
          InstanceType: "m5.large",
          MinCount: count,
          MaxCount: count,
          InstanceInitiatedShutdownBehavior: "terminate",
          ...(spot ? { InstanceMarketOptions: { MarketType: "spot" } } : {}),
          TagSpecifications: [{ ResourceType: "instance", Tags: launchTags(annex, stage) }],
        }),
      );
      ec2.destroy();
      return (result.Instances ?? []).map((instance) => instance.InstanceId ?? "");
    },
  };
}

export type EnforcementStack = Awaited<ReturnType<typeof startEnforcementStack>>;

/** Retries `check` until it passes (EC2 events reach their handler asynchronously). */
export async function eventually(
  check: () => Promise<void> | void,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** The first enforcer tick at or after `at`, for ticks that fall every minute from `first`. */
export const firstTickAtOrAfter = (at: number, first: number) =>
  first + Math.max(0, Math.ceil((at - first) / TICK)) * TICK;

export type { LocalStack };
