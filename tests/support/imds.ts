/** Reads a simulated instance's metadata the way software on the instance does (IMDSv2). */

import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

async function session(base: string): Promise<Record<string, string>> {
  const tokenResponse = await fetch(`${base}/api/token`, {
    method: "PUT",
    headers: { "x-aws-ec2-metadata-token-ttl-seconds": "300" },
  });
  if (tokenResponse.status !== 200) throw new Error(`IMDS token: ${tokenResponse.status}`);
  return { "x-aws-ec2-metadata-token": await tokenResponse.text() };
}

/** Instance-profile credentials, as an SDK reads them from `iam/security-credentials/<role>`. */
export interface ImdsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The instance's role credentials (throws when it has none). */
export async function credentialsOf(
  awsEndpoint: string,
  instanceId: string,
): Promise<ImdsCredentials> {
  const base = `${awsEndpoint}/_imds/${instanceId}/latest`;
  const headers = await session(base);
  const roles = await fetch(`${base}/meta-data/iam/security-credentials/`, { headers });
  if (roles.status !== 200) throw new Error(`IMDS security-credentials: ${roles.status}`);
  const role = (await roles.text()).trim();
  const json = (await (
    await fetch(`${base}/meta-data/iam/security-credentials/${role}`, { headers })
  ).json()) as Record<string, string>;
  return {
    accessKeyId: json.AccessKeyId ?? "",
    secretAccessKey: json.SecretAccessKey ?? "",
    sessionToken: json.Token ?? "",
    expiration: new Date(json.Expiration ?? 0),
  };
}

/**
 * One instance's metadata service at the root of its own loopback address, as
 * 169.254.169.254 is on the instance: the endpoint to give the SDK or the CLI
 * (`AWS_EC2_METADATA_SERVICE_ENDPOINT`), which do not keep a path prefix.
 */
export async function imdsEndpointOf(
  awsEndpoint: string,
  instanceId: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(awsEndpoint);
  const server = createServer((req, res) => {
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `/_imds/${instanceId}${req.url ?? "/"}`,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
