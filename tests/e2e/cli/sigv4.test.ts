/**
 * Requests to a deployed stage are SigV4-signed (`execute-api`). A local server receives them
 * and checks each signature independently (a separate SignatureV4, and botocore from the AWS
 * CLI). The binary is pointed at an HTTPS verifier on 127.0.0.1 (signed, since only plain
 * `http:` to loopback is the unsigned local stack) that it trusts through NODE_EXTRA_CA_CERTS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiClient } from "../../../cli/http.ts";
import { createSigner } from "../../../cli/sigv4.ts";
import { makeHome, runAnnex } from "./harness.ts";
import {
  parseAuthorization,
  type ReceivedRequest,
  recomputeWithBotocore,
  recomputeWithSmithy,
} from "./sigv4-verifier.ts";

const KEY = { accessKeyId: "AKIDCLITEST", secretAccessKey: "cli-test-secret/abc+def" };

interface Verifier {
  url: string;
  received: Array<ReceivedRequest & { valid: boolean }>;
  stop(): Promise<void>;
}

interface Tls {
  key: string;
  cert: string;
}

/** A key and self-signed certificate for 127.0.0.1. */
async function loopbackCertificate(): Promise<Tls> {
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 3_600_000),
    notAfterDate: new Date(now + 86_400_000),
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * Answers like API Gateway's IAM authorizer: 403 unless the signature checks out. Listens on
 * 127.0.0.1, over HTTPS when given a certificate.
 */
async function startVerifier(tls?: Tls): Promise<Verifier> {
  const received: Verifier["received"] = [];
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      void recomputeWithSmithy(request, KEY.secretAccessKey).then((signature) => {
        const valid =
          signature !== undefined &&
          signature === parseAuthorization(req.headers.authorization)?.signature;
        received.push({ ...request, valid });
        res.writeHead(valid ? 200 : 403, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            valid
              ? { annexes: [] }
              : {
                  message:
                    "The request signature we calculated does not match the signature you provided.",
                },
          ),
        );
      });
    });
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

describe("SigV4 signing (in process)", () => {
  let verifier: Verifier;
  beforeAll(async () => {
    verifier = await startVerifier();
  });
  afterAll(() => verifier.stop());
  afterEach(() => {
    verifier.received.length = 0;
  });

  const client = () =>
    new ApiClient({
      baseUrl: new URL(`${verifier.url}/dev`),
      signer: createSigner("eu-west-1", KEY),
      retries: 0,
    });

  it("signs GET and POST requests so that an independent SignatureV4 agrees", async () => {
    await client().call("GET", "/annexes", z.object({ annexes: z.array(z.unknown()) }));
    await client().call("POST", "/annexes/My.Annex-1", z.unknown(), { name: "x", count: 1 });
    expect(verifier.received.map((r) => r.valid)).toEqual([true, true]);
    const auth = parseAuthorization(verifier.received[1]?.headers.authorization);
    expect(auth).toMatchObject({
      accessKeyId: KEY.accessKeyId,
      region: "eu-west-1",
      service: "execute-api",
    });
    expect(auth?.signedHeaders).toEqual(
      expect.arrayContaining(["host", "x-amz-date", "content-type"]),
    );
    expect(verifier.received[1]?.url).toBe("/dev/annexes/My.Annex-1");
    expect(verifier.received[1]?.headers["x-annex-owner"]).toBeUndefined();
  });

  it("fails verification when the body is altered (the check is not vacuous)", async () => {
    await client().call("POST", "/annexes", z.unknown(), { count: 1 });
    const [request] = verifier.received;
    if (!request) throw new Error("no request received");
    const tampered = { ...request, body: JSON.stringify({ count: 100 }) };
    const signature = parseAuthorization(request.headers.authorization)?.signature;
    expect(await recomputeWithSmithy(request, KEY.secretAccessKey)).toBe(signature);
    expect(await recomputeWithSmithy(tampered, KEY.secretAccessKey)).not.toBe(signature);
    expect(await recomputeWithSmithy(request, "another-secret")).not.toBe(signature);
  });

  it("produces the signature botocore computes", async () => {
    await client().call("POST", "/annexes", z.unknown(), { name: "Botocore", count: 2 });
    const [request] = verifier.received;
    if (!request) throw new Error("no request received");
    const signature = parseAuthorization(request.headers.authorization)?.signature;
    expect(recomputeWithBotocore(request, KEY.secretAccessKey)).toBe(signature);
    expect(recomputeWithBotocore(request, "another-secret")).not.toBe(signature);
  });
});

describe("SigV4 signing by the annex binary (https on loopback)", () => {
  let verifier: Verifier;
  let home: ReturnType<typeof makeHome>;
  let certDir: string;
  let trust: Record<string, string>;
  const credentials = {
    AWS_ACCESS_KEY_ID: KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  beforeAll(async () => {
    const tls = await loopbackCertificate();
    certDir = mkdtempSync(join(tmpdir(), "annex-cli-tls-"));
    const certFile = join(certDir, "verifier.pem");
    writeFileSync(certFile, tls.cert);
    trust = { NODE_EXTRA_CA_CERTS: certFile };
    verifier = await startVerifier(tls);
    home = makeHome();
  });
  afterAll(async () => {
    await verifier.stop();
    home.cleanup();
    rmSync(certDir, { recursive: true, force: true });
  });
  afterEach(() => {
    verifier.received.length = 0;
  });

  it("signs with the standard credential chain (environment) and the given region", async () => {
    const result = await runAnnex(["status", "--url", verifier.url, "-aws-region", "us-west-2"], {
      home: home.home,
      env: { ...trust, ...credentials },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("No annexes.\n");
    expect(verifier.received).toHaveLength(1);
    expect(verifier.received[0]?.valid).toBe(true);
    expect(parseAuthorization(verifier.received[0]?.headers.authorization)?.region).toBe(
      "us-west-2",
    );
    expect(verifier.received[0]?.headers["x-annex-owner"]).toBeUndefined();
  });

  it("signs with condor_annex's key files", async () => {
    const access = join(home.home, "publicKeyFile");
    const secret = join(home.home, "privateKeyFile");
    writeFileSync(access, `${KEY.accessKeyId}\n`);
    writeFileSync(secret, `${KEY.secretAccessKey}\n`);
    const result = await runAnnex(
      ["-status", "-aws-access-key-file", access, "-aws-secret-key-file", secret],
      {
        home: home.home,
        env: { ...trust, ANNEX_URL: verifier.url, AWS_REGION: "eu-central-1" },
      },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(verifier.received[0]?.valid).toBe(true);
    expect(parseAuthorization(verifier.received[0]?.headers.authorization)).toMatchObject({
      accessKeyId: KEY.accessKeyId,
      region: "eu-central-1",
    });
  });

  it("prints the gateway's refusal when the signature is wrong", async () => {
    const result = await runAnnex(["status", "-aws-region", "us-east-1"], {
      home: home.home,
      env: {
        ...trust,
        ...credentials,
        AWS_SECRET_ACCESS_KEY: "wrong",
        ANNEX_URL: verifier.url,
      },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      "annex: The request signature we calculated does not match the signature you provided.\n",
    );
    expect(verifier.received.map((r) => r.valid)).toEqual([false]);
  });

  it("talks TLS: without trusting the certificate it cannot reach the verifier", async () => {
    const result = await runAnnex(["status", "-aws-region", "us-east-1"], {
      home: home.home,
      env: { ...credentials, ANNEX_URL: verifier.url },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /^annex: cannot reach the annex API at https:\/\/127\.0\.0\.1:\d+ \(.*SELF_SIGNED.*\)\n$/,
    );
    expect(verifier.received).toHaveLength(0);
  });

  it("says in one line that it has no credentials, and sends nothing", async () => {
    const result = await runAnnex(["status", "-aws-region", "us-east-1"], {
      home: home.home,
      env: { ...trust, ANNEX_URL: verifier.url, AWS_EC2_METADATA_DISABLED: "true" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^annex: no AWS credentials to sign requests to 127\.0\.0\.1:\d+ .*\n$/,
    );
    expect(verifier.received).toHaveLength(0);
  });

  it("needs a region for a URL that does not name one", async () => {
    const result = await runAnnex(["status"], {
      home: home.home,
      env: { ...trust, ...credentials, ANNEX_URL: verifier.url },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^annex: cannot tell the AWS region of 127\.0\.0\.1:\d+: give -aws-region/,
    );
    expect(verifier.received).toHaveLength(0);
  });
});
