/**
 * What the local AWS says it serves — `LocalAws.services`, which `npm start`'s banner prints — is
 * what it routes, what its UnknownService answer names, and what the README's Quick start lists.
 */
import { resolve } from "node:path";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalAws, startLocalAws } from "../../../local/aws/server.ts";
import { quickStartLocalAwsServices } from "../../e2e/first-contact/readme.ts";

const REPOSITORY = resolve(import.meta.dirname, "../../..");

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ port: 0, inMemory: true });
});
afterAll(() => aws.stop());

/** The answer to an empty POST signed for `service` (with keys STS accepts: secret = key). */
async function signedPost(service: string): Promise<string> {
  const url = new URL(aws.endpoint);
  const signer = new SignatureV4({
    service,
    region: "us-east-1",
    sha256: Sha256,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: { host: url.host },
    body: "",
  });
  const response = await fetch(aws.endpoint, { method: "POST", headers: signed.headers });
  return response.text();
}

describe("the local AWS's services", () => {
  it("routes each service it lists to a backend", async () => {
    expect(aws.services).toEqual(expect.arrayContaining(["dynamodb", "s3", "ec2", "sts"]));
    for (const service of aws.services) {
      expect(await signedPost(service), service).not.toContain("UnknownService");
    }
  });

  it("names exactly the services it lists when asked for another", async () => {
    const answer = await signedPost("kinesis");
    expect(answer).toContain("UnknownService");
    const served = /it serves (.*)\./.exec(answer)?.[1] ?? "";
    const names = served.split(/, | and /).map((entry) => entry.split(" ")[0]);
    expect(names).toEqual(aws.services);
  });

  it("is what the README's Quick start says npm start serves", () => {
    expect(quickStartLocalAwsServices(REPOSITORY)).toEqual(aws.services);
  });
});
