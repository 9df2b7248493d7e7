/**
 * Bootstrap (POST /bootstrap): an instance proves who it is with its signed identity document and
 * gets a short-lived URL to its own annex's bundle, its heartbeat token and its lease (the annex's
 * effective end: the lease end, or the budget deadline if sooner).
 * Every refusal is the same 403 to the caller, with the real reason in the audit trail and log.
 */

import type { Annex } from "../../domain/annex.ts";
import { effectiveEnd } from "../../domain/budget.ts";
import { placementOf } from "../../domain/ec2.ts";
import { ForbiddenError } from "../../domain/errors.ts";
import { mintHeartbeatToken } from "../../domain/heartbeat-token.ts";
import { bootDeadline, idleDeadlineAtBootstrap, isLeaseOver } from "../../domain/lease.ts";
import { parseBootstrap } from "../../domain/requests/instance.ts";
import { isLive, transition } from "../../domain/state-machine.ts";
import { ANNEX_TAG_KEYS, isoFromEpoch } from "../../domain/tags.ts";
import { reviseCost } from "../annexes/cost.ts";
import { freshAnnex, retryOnStale } from "../retry-on-stale.ts";
import type { BootstrapPorts } from "./ports.ts";

/** How long the bundle URL works: enough to download, too short to be worth stealing. */
export const BUNDLE_URL_SECONDS = 300;
export const HEARTBEAT_INTERVAL_SECONDS = 60;

interface IdentityDocument {
  accountId?: unknown;
  instanceId?: unknown;
}

/** Verifies the instance and answers its bootstrap, or throws the one ForbiddenError. */
export async function bootstrapInstance(ports: BootstrapPorts, body: unknown, now: number) {
  const { document, signature, annexId: claimedAnnexId } = parseBootstrap(body);
  if (!ports.verifier.verify(document, signature))
    return refuse(ports, "identity document signature does not verify");
  const identity = parseDocument(document);
  const instanceId = typeof identity?.instanceId === "string" ? identity.instanceId : undefined;
  if (identity === undefined || instanceId === undefined)
    return refuse(ports, "identity document is not an EC2 identity document");
  if (identity.accountId !== ports.accountId)
    return refuse(ports, `instance of another account (${String(identity.accountId)})`, instanceId);
  ports.log.about({ instanceId });

  const [ec2Instance] = await ports.ec2.byIds([instanceId]);
  const annexId = ec2Instance?.tags[ANNEX_TAG_KEYS.id];
  if (ec2Instance === undefined || annexId === undefined)
    return refuse(ports, "instance is unknown or not tagged annex:id", instanceId);
  const annex = await ports.annexes.getAnnex(annexId);
  if (annex === undefined)
    return refuse(ports, `instance is tagged for unknown annex ${annexId}`, instanceId);
  ports.log.about({ annexId, instanceId });
  const audit = async (reason: string) => {
    await ports.instances.appendEvent({
      annexId,
      at: now,
      type: "bootstrap-refused",
      message: reason,
      instanceIds: [instanceId],
    });
    return refuse(ports, reason, instanceId);
  };
  if (claimedAnnexId !== undefined && claimedAnnexId !== annexId) {
    const reason = `instance of annex ${annexId} asked for annex ${claimedAnnexId}`;
    if (await ports.annexes.getAnnex(claimedAnnexId)) {
      await ports.instances.appendEvent({
        annexId: claimedAnnexId,
        at: now,
        type: "bootstrap-refused",
        message: reason,
        instanceIds: [instanceId],
      });
    }
    return audit(reason);
  }
  if (ec2Instance.state !== "running")
    return audit(`instance is ${ec2Instance.state}, not running`);
  if (!isLive(annex.state) || isLeaseOver(effectiveEnd(annex), now))
    return audit(`annex is ${annex.state} (lease or budget over, or ended)`);
  const key = await ports.store.getHeartbeatKey();
  if (key === undefined) return audit("setup stored no heartbeat key");

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
    await reviseCost(ports, annexId, now); // a fleet's instance: now it burns
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
    leaseExpiresAt: isoFromEpoch(effectiveEnd(annex)),
    leaseExpiresAtEpoch: effectiveEnd(annex),
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

function parseDocument(document: string): IdentityDocument | undefined {
  try {
    const parsed: unknown = JSON.parse(document);
    return typeof parsed === "object" && parsed !== null ? (parsed as IdentityDocument) : undefined;
  } catch {
    return undefined;
  }
}

function refuse(ports: Pick<BootstrapPorts, "log">, reason: string, instanceId?: string): never {
  ports.log.warn("bootstrap refused", { reason, instanceId });
  throw new ForbiddenError("bootstrap refused");
}
