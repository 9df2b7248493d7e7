/**
 * Heartbeat (POST /heartbeat): an instance reports idle or busy with its per-instance token; the
 * answer carries the instance's lease — the annex's effective end, its lease end or its budget
 * deadline if sooner — (so it re-arms its own power-off) and continue/drain/stop. A spot warning
 * the instance read from its metadata is recorded: the answer says `drain`.
 */

import { effectiveEnd } from "../../domain/budget.ts";
import { ForbiddenError, NotConfiguredError } from "../../domain/errors.ts";
import { verifyHeartbeatToken } from "../../domain/heartbeat-token.ts";
import { withInterruption } from "../../domain/interruption.ts";
import { applyHeartbeat, heartbeatInstruction } from "../../domain/lease.ts";
import { parseHeartbeat } from "../../domain/requests/instance.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import { freshInstance, retryOnStale } from "../retry-on-stale.ts";
import { auditInterruption } from "./interruption-audit.ts";
import { type HeartbeatPorts, POOL_NOT_SET_UP } from "./ports.ts";

/** Records one heartbeat and answers the instruction; a bad token is a 403. */
export async function recordHeartbeat(
  ports: HeartbeatPorts,
  authorization: string | undefined,
  body: unknown,
  now: number,
) {
  const request = parseHeartbeat(body);
  const token = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization ?? "")?.[1];
  const key = await ports.heartbeatKey.current(now);
  if (key === undefined) throw new NotConfiguredError(POOL_NOT_SET_UP);
  const verifies = (k: string) =>
    verifyHeartbeatToken(k, token, request.annexId, request.instanceId);
  if (!verifies(key)) {
    // A key this container has not seen yet (setup run again on an empty store) is read at most every minute.
    const changed = await ports.heartbeatKey.changedSince(key, now);
    if (changed === undefined || !verifies(changed)) throw new ForbiddenError("heartbeat refused");
  }
  ports.log.about({ annexId: request.annexId, instanceId: request.instanceId });
  const annex = await ports.annexes.getAnnex(request.annexId);
  const found = await ports.instances.getInstance(request.annexId, request.instanceId);
  if (annex === undefined || found === undefined) throw new ForbiddenError("heartbeat refused");
  let warned = false;
  const record = await retryOnStale(found, freshInstance(ports.instances), async (current) => {
    if (current.endedAt !== undefined) return current;
    const beat = applyHeartbeat(
      current,
      { state: request.state, at: now },
      annex.idleTimeoutSeconds,
    );
    const interrupted =
      request.interruption && withInterruption(beat, request.interruption, annex, now);
    warned = interrupted !== undefined;
    return ports.instances.saveInstance(interrupted || beat);
  });
  if (warned && request.interruption)
    await auditInterruption(ports, record, request.interruption, "its metadata", now);
  const endsAt = effectiveEnd(annex);
  return {
    leaseExpiresAt: isoFromEpoch(endsAt),
    leaseExpiresAtEpoch: endsAt,
    instruction: heartbeatInstruction(annex, record, now),
  };
}
