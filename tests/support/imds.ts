/** Reads a simulated instance's metadata the way the bootstrap script does (IMDSv2). */

export async function identityOf(
  awsEndpoint: string,
  instanceId: string,
): Promise<{ document: string; signature: string }> {
  const base = `${awsEndpoint}/_imds/${instanceId}/latest`;
  const tokenResponse = await fetch(`${base}/api/token`, {
    method: "PUT",
    headers: { "x-aws-ec2-metadata-token-ttl-seconds": "300" },
  });
  if (tokenResponse.status !== 200) throw new Error(`IMDS token: ${tokenResponse.status}`);
  const headers = { "x-aws-ec2-metadata-token": await tokenResponse.text() };
  const document = await (
    await fetch(`${base}/dynamic/instance-identity/document`, { headers })
  ).text();
  const signature = await (
    await fetch(`${base}/dynamic/instance-identity/signature`, { headers })
  ).text();
  return { document, signature };
}
