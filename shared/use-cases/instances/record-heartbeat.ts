/**
 * Heartbeat (POST /heartbeat): an instance reports idle or busy with its per-instance token; the
 * answer carries the lease expiry (so it re-arms its own power-off) and continue/drain/stop.
 */

import { ConflictError, ForbiddenError } from "../../domain/errors.ts";
import { verifyHeartbeatToken } from "../../domain/heartbeat-token.ts";
import { applyHeartbeat, heartbeatInstruction } from "../../domain/lease.ts";
import { parseHeartbeat } from "../../domain/requests/instance.ts";
import { isoFromEpoch } from "../../domain/tags.ts";
import type { BootstrapPorts } from "./bootstrap-instance.ts";

export type HeartbeatPorts = Pick<BootstrapPorts, "annexes" | "instances" | "store">;

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
  const annex = await ports.annexes.getAnnex(request.annexId);
  let record = await ports.instances.getInstance(request.annexId, request.instanceId);
  if (annex === undefined || record === undefined) throw new ForbiddenError("heartbeat refused");
  for (let attempt = 0; record.endedAt === undefined && attempt < 3; attempt++) {
    try {
      record = await ports.instances.saveInstance(
        applyHeartbeat(record, { state: request.state, at: now }, annex.idleTimeoutSeconds),
      );
      break;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      record = (await ports.instances.getInstance(request.annexId, request.instanceId)) ?? record;
    }
  }
  return {
    leaseExpiresAt: isoFromEpoch(annex.leaseExpiresAt),
    leaseExpiresAtEpoch: annex.leaseExpiresAt,
    instruction: heartbeatInstruction(annex, record, now),
  };
}
