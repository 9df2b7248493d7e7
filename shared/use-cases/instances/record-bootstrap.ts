/** The answer to an admitted instance's bootstrap, and what it records. */

import type { Annex } from "../../domain/annex.ts";
import { effectiveEnd } from "../../domain/budget.ts";
import { placementOf } from "../../domain/ec2.ts";
import { mintHeartbeatToken } from "../../domain/heartbeat-token.ts";
import { bootDeadline, idleDeadlineAtBootstrap } from "../../domain/lease.ts";
import { transition } from "../../domain/state-machine.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import type { Ec2Instance } from "../../ports/ec2.ts";
import { reviseCost } from "../annexes/cost.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import type { BootstrapPorts } from "./ports.ts";

/** How long the bundle URL works: enough to download, too short to be worth stealing. */
export const BUNDLE_URL_SECONDS = 300;
export const HEARTBEAT_INTERVAL_SECONDS = 60;

/** An admitted instance: its annex, what EC2 says of it, the heartbeat key, and when. */
export interface Admitted {
  annex: Annex;
  ec2Instance: Ec2Instance;
  key: string;
  now: number;
}

/**
 * Records the instance as bootstrapped (once; a retried bootstrap of the same running instance
 * is answered again and audited) and answers its bundle URL, heartbeat token and lease: the
 * annex's effective end (its lease end, or its budget deadline if sooner).
 */
export async function recordBootstrap(
  ports: BootstrapPorts,
  { annex, ec2Instance, key, now }: Admitted,
  audit: (reason: string) => Promise<never>,
) {
  const annexId = annex.id;
  const instanceId = ec2Instance.id;
  let endsAt = effectiveEnd(annex);
  let record = await ports.instances.getInstance(annexId, instanceId);
  if (record === undefined) {
    const launchedAt = ec2Instance.launchedAt || now;
    record = {
      annexId,
      instanceId,
      instanceType: ec2Instance.type,
      ec2State: "running",
      launchedAt,
      bootDeadline: bootDeadline(launchedAt, annex.bootGraceSeconds),
      ...placementOf(ec2Instance),
      version: 1,
    };
    await ports.instances.addInstances([record]);
    // A fleet's instance, recorded now: it burns, which may bring the budget deadline closer.
    endsAt = effectiveEnd((await reviseCost(ports, annexId, now)) ?? annex);
  }
  if (record.endedAt !== undefined) return audit("instance was already ended by the service");
  const first = record.bootstrappedAt === undefined;
  if (first) {
    await ports.instances.saveInstance({
      ...record,
      ec2State: "running",
      bootstrappedAt: now,
      idleDeadline: idleDeadlineAtBootstrap(now, annex.idleTimeoutSeconds),
    });
  }
  await markRunning(ports, annex, now);
  await ports.instances.appendEvent({
    annexId,
    at: now,
    type: "bootstrapped",
    message: first
      ? "instance proved its identity and received its configuration"
      : "instance bootstrapped again (same running instance)",
    instanceIds: [instanceId],
  });
  return {
    annexId,
    annexName: annex.name,
    instanceId,
    configUrl: await ports.store.presignBundle(annex.configKey, BUNDLE_URL_SECONDS),
    heartbeatToken: mintHeartbeatToken(key, annexId, instanceId),
    heartbeatIntervalSeconds: HEARTBEAT_INTERVAL_SECONDS,
    leaseExpiresAt: isoFromEpoch(endsAt),
    leaseExpiresAtEpoch: endsAt,
  };
}

/** The annex's first joined instance makes it `running` (a retried bootstrap finishes the move). */
function markRunning(ports: BootstrapPorts, annex: Annex, now: number): Promise<Annex> {
  return retryOnStale(annex, freshAnnex(ports.annexes), async (current) =>
    current.state === "provisioning"
      ? ports.annexes.saveAnnex(transition(current, "running"), now)
      : current,
  );
}
