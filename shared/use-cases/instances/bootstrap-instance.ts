/**
 * Bootstrap (POST /bootstrap): an instance proves who it is with a signed sts:GetCallerIdentity
 * (prove-instance.ts) and gets a short-lived URL to its own annex's bundle, its heartbeat token
 * and its lease (the annex's effective end). Every refusal is the same 403 to the caller; the real reason goes to the
 * instance's own annex's audit trail when the instance is known and tagged, else to the log only.
 */

import { effectiveEnd } from "../../domain/budget.ts";
import { NotConfiguredError } from "../../domain/errors.ts";
import { BootstrapRefusedError, type InstanceProofConfig } from "../../domain/instance-proof.ts";
import { isLeaseOver } from "../../domain/lease.ts";
import type { Signer } from "../../domain/proof-checks.ts";
import { parseBootstrap } from "../../domain/requests/instance.ts";
import { isLive } from "../../domain/state-machine.ts";
import { ANNEX_TAG_KEYS } from "../../domain/tags.ts";
import type { Ec2Instance } from "../../ports/ec2.ts";
import { type BootstrapPorts, POOL_NOT_SET_UP } from "./ports.ts";
import { proveInstance } from "./prove-instance.ts";
import { recordBootstrap } from "./record-bootstrap.ts";

/** Verifies the instance and answers its bootstrap, or throws the one BootstrapRefusedError (403). */
export async function bootstrapInstance(ports: BootstrapPorts, body: unknown, now: number) {
  const request = parseBootstrap(body);
  const config = configured(ports);
  const key = await ports.heartbeatKey.current(now);
  if (key === undefined) throw new NotConfiguredError(POOL_NOT_SET_UP);
  try {
    const signer = await proveInstance(ports, config, request, now);
    return await admit(ports, config, signer, request.annexId, key, now);
  } catch (error) {
    if (error instanceof BootstrapRefusedError)
      ports.log.warn("bootstrap refused", { reason: error.reason });
    throw error;
  }
}

/** The proof configuration; while it is broken every bootstrap is a 503 (check-setup says why). */
function configured(ports: Pick<BootstrapPorts, "proof" | "log">): InstanceProofConfig {
  const { config, problems } = ports.proof;
  if (config !== undefined) return config;
  ports.log.warn("instance proof is not configured", { problems });
  throw new NotConfiguredError(
    "the service cannot check instance proofs: its deployment is misconfigured (see annex check-setup)",
  );
}

/** Whether EC2 says the instance runs with our instance profile. */
const runsWithOurProfile = (instance: Ec2Instance, config: InstanceProofConfig) =>
  instance.instanceProfileArn?.split("/").pop() === config.instanceProfileName;

/** A proven signer: its instance must run, tagged for a live annex, with our instance role. */
async function admit(
  ports: BootstrapPorts,
  config: InstanceProofConfig,
  signer: Signer,
  claimedAnnexId: string | undefined,
  key: string,
  now: number,
) {
  const { instanceId } = signer;
  ports.log.about({ instanceId });
  const [ec2Instance] = await ports.ec2.byIds([instanceId]);
  const annexId = ec2Instance?.tags[ANNEX_TAG_KEYS.id];
  if (ec2Instance === undefined || annexId === undefined)
    throw new BootstrapRefusedError(`instance ${instanceId} is unknown or not tagged annex:id`);
  const annex = await ports.annexes.getAnnex(annexId);
  if (annex === undefined)
    throw new BootstrapRefusedError(
      `instance ${instanceId} is tagged for unknown annex ${annexId}`,
    );
  ports.log.about({ annexId, instanceId });
  if (!signer.ours && runsWithOurProfile(ec2Instance, config))
    // Not this instance's credentials: a session of another role named after one of ours.
    throw new BootstrapRefusedError(
      `role ${signer.roleName} signed as ${instanceId}, which runs with our instance profile`,
    );
  // From here the signer is the instance: the reason goes on its own annex's trail.
  const audit = async (reason: string): Promise<never> => {
    await ports.instances.appendEvent({
      annexId,
      at: now,
      type: "bootstrap-refused",
      message: reason,
      instanceIds: [instanceId],
    });
    throw new BootstrapRefusedError(reason);
  };
  if (!signer.ours)
    return audit(
      `instance runs with another instance role (${signer.roleName}), not the one cloud-annex launches with`,
    );
  // Audited on the instance's own annex only: a proof cannot write into another annex's trail.
  if (claimedAnnexId !== undefined && claimedAnnexId !== annexId)
    return audit(`instance of annex ${annexId} asked for annex ${claimedAnnexId}`);
  if (ec2Instance.state !== "running")
    return audit(`instance is ${ec2Instance.state}, not running`);
  if (!isLive(annex.state) || isLeaseOver(effectiveEnd(annex), now))
    return audit(`annex is ${annex.state} (lease or budget over, or ended)`);
  return recordBootstrap(ports, { annex, ec2Instance, key, now }, audit);
}
