/**
 * Heartbeat (POST /heartbeat): an instance reports idle or busy with its per-instance token; the
 * answer carries the instance's lease — the annex's effective end, its lease end or its budget
 * deadline if sooner — (so it re-arms its own power-off) and continue/drain/stop.
 */

import { effectiveEnd } from "../../domain/budget.ts";
import { ForbiddenError } from "../../domain/errors.ts";
import { verifyHeartbeatToken } from "../../domain/heartbeat-token.ts";
import { applyHeartbeat, heartbeatInstruction } from "../../domain/lease.ts";
import { parseHeartbeat } from "../../domain/requests/instance.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import { freshInstance, retryOnStale } from "../retry-on-stale.ts";
import type { HeartbeatPorts } from "./ports.ts";

/** Records one heartbeat and answers the instruction; a bad token is a 403. */
export async function recordHeartbeat(
  ports: HeartbeatPorts,
  authorization: string | undefined,
  body: unknown,
  now: number,
) {
  const request = parseHeartbeat(body);
  const token = /^Bearer ([A-Za-z0-9_-]+)$/.exec(authorization ?? "")?.[1];
  const key = await ports.store.getHeartbeatKey();
  if (key === undefined || !verifyHeartbeatToken(key, token, request.annexId, request.instanceId)) {
    throw new ForbiddenError("heartbeat refused");
  }
  ports.log.about({ annexId: request.annexId, instanceId: request.instanceId });
  const annex = await ports.annexes.getAnnex(request.annexId);
  const found = await ports.instances.getInstance(request.annexId, request.instanceId);
  if (annex === undefined || found === undefined) throw new ForbiddenError("heartbeat refused");
  const record = await retryOnStale(found, freshInstance(ports.instances), async (current) =>
    current.endedAt !== undefined
      ? current
      : ports.instances.saveInstance(
          applyHeartbeat(current, { state: request.state, at: now }, annex.idleTimeoutSeconds),
        ),
  );
  const endsAt = effectiveEnd(annex);
  return {
    leaseExpiresAt: isoFromEpoch(endsAt),
    leaseExpiresAtEpoch: endsAt,
    instruction: heartbeatInstruction(annex, record, now),
  };
}
