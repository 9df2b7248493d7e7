/**
 * Checks an instance's proof (a signed sts:GetCallerIdentity): the proof's own rules first, then
 * STS — always this service's STS endpoint, never one the caller names — then who STS says signed.
 */

import { BootstrapRefusedError, type InstanceProofConfig } from "../../domain/instance-proof.ts";
import { checkProof, type Signer, signerOf } from "../../domain/proof-checks.ts";
import type { BootstrapRequest } from "../../domain/requests/instance.ts";
import type { BootstrapPorts } from "./ports.ts";

/** The role session that signed the proof; BootstrapRefusedError (reason for the log) otherwise. */
export async function proveInstance(
  ports: Pick<BootstrapPorts, "sts">,
  config: InstanceProofConfig,
  request: BootstrapRequest,
  now: number,
): Promise<Signer> {
  const proof = {
    method: request.iamHttpRequestMethod,
    url: request.iamRequestUrl,
    headers: request.iamRequestHeaders,
    body: request.iamRequestBody,
  };
  const headers = checkProof(proof, config, now);
  const answer = await ports.sts.send(config.stsUrl, headers, proof.body);
  if ("refused" in answer)
    throw new BootstrapRefusedError(`STS refused the proof (${answer.refused})`);
  return signerOf(answer.arn, config.role);
}
