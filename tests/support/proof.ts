/** Instance proofs as the bootstrap script makes them: a signed GetCallerIdentity, in Vault's fields. */

import type { LocalStack } from "../../local/stack.ts";
import { SERVER_ID_HEADER } from "../../shared/domain/instance-proof.ts";
import { credentialsOf } from "./imds.ts";
import { type Credentials, type SignedRequest, signGetCallerIdentity } from "./sdk.ts";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The POST /bootstrap body for a signed request. */
export const proofBody = (signed: SignedRequest) => ({
  iamHttpRequestMethod: signed.method,
  iamRequestUrl: b64(signed.url),
  iamRequestHeaders: b64(JSON.stringify(signed.headers)),
  iamRequestBody: b64(signed.body),
});

export interface ProofOptions {
  /** The credentials to sign with; default the instance's own, from its metadata service. */
  credentials?: Credentials;
  /** Default: the stack's ANNEX_SERVER_ID; `null` signs no server id header. */
  serverId?: string | null;
  /** Default: the handlers' STS endpoint (their AWS_ENDPOINT_URL: the local AWS). */
  url?: string;
  signingDate?: Date;
}

/** The signed request an instance of `stack` would make (parts overridable to forge one). */
export async function signedProof(
  stack: LocalStack,
  instanceId: string,
  options: ProofOptions = {},
): Promise<SignedRequest> {
  const serverId =
    options.serverId === undefined ? stack.environment.ANNEX_SERVER_ID : options.serverId;
  const own = async () => {
    const { accessKeyId, secretAccessKey, sessionToken } = await credentialsOf(
      stack.awsEndpoint,
      instanceId,
    );
    return { accessKeyId, secretAccessKey, sessionToken };
  };
  return signGetCallerIdentity(options.credentials ?? (await own()), {
    url: options.url ?? new URL(stack.environment.AWS_ENDPOINT_URL ?? stack.awsEndpoint).href,
    headers: serverId === null ? {} : { [SERVER_ID_HEADER]: serverId ?? "" },
    signingDate: options.signingDate,
  });
}

/** The POST /bootstrap body an instance of `stack` would send. */
export const instanceProof = async (
  stack: LocalStack,
  instanceId: string,
  options?: ProofOptions,
) => proofBody(await signedProof(stack, instanceId, options));
