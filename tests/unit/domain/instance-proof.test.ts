import { describe, expect, it } from "vitest";
import {
  BootstrapRefusedError,
  GET_CALLER_IDENTITY_BODY,
  type InstanceProofConfig,
} from "../../../shared/domain/instance-proof.ts";
import { checkProof, type SignedProof, signerOf } from "../../../shared/domain/proof-checks.ts";
import { parseBootstrap } from "../../../shared/domain/requests/instance.ts";
import { expectIssue } from "./helpers.ts";

const CONFIG: InstanceProofConfig = {
  stsUrl: "https://sts.eu-west-1.amazonaws.com/",
  stsRegion: "eu-west-1",
  serverId: "abc123.execute-api.eu-west-1.amazonaws.com",
  role: { partition: "aws", accountId: "123456789012", name: "annex-instance" },
  instanceProfileName: "annex-profile",
};
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0) / 1000;
const AMZ_DATE = "20261201T120000Z";

const proof = (headers: Record<string, string> = {}, rest: Partial<SignedProof> = {}) => ({
  method: "POST",
  url: "https://sts.eu-west-1.amazonaws.com/",
  body: GET_CALLER_IDENTITY_BODY,
  headers: {
    Host: "sts.eu-west-1.amazonaws.com",
    "X-Amz-Date": AMZ_DATE,
    "x-annex-server-id": CONFIG.serverId,
    Authorization: `AWS4-HMAC-SHA256 Credential=ASIAX/20261201/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-annex-server-id, Signature=${"0".repeat(64)}`,
    ...headers,
  },
  ...rest,
});

const reasonOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BootstrapRefusedError);
    expect((error as BootstrapRefusedError).message).toBe("bootstrap refused");
    expect((error as BootstrapRefusedError).status).toBe(403);
    return (error as BootstrapRefusedError).reason;
  }
  throw new Error("the proof was accepted");
};

describe("checkProof", () => {
  it("passes a GetCallerIdentity signed for our endpoint and server id, headers as sent", () => {
    const given = proof();
    expect(checkProof(given, CONFIG, NOW)).toEqual(given.headers);
    expect(checkProof(given, CONFIG, NOW + 899)).toEqual(given.headers);
  });

  it.each([
    ["another method", proof({}, { method: "GET" }), "not a POST"],
    [
      "another endpoint",
      proof({}, { url: "https://attacker.example/" }),
      "signed for https://attacker.example/",
    ],
    [
      "another STS region",
      proof({}, { url: "https://sts.us-east-1.amazonaws.com/" }),
      "not for https://sts.eu-west-1",
    ],
    [
      "another action",
      proof({}, { body: "Action=AssumeRole&Version=2011-06-15" }),
      "not exactly sts:GetCallerIdentity",
    ],
    ["extra parameters", proof({}, { body: `${GET_CALLER_IDENTITY_BODY}&x=1` }), "not exactly"],
    ["a Host of another endpoint", proof({ Host: "sts.amazonaws.com" }), "host sts.amazonaws.com"],
    ["no server id", proof({ "x-annex-server-id": undefined as never }), "no x-annex-server-id"],
    [
      "another deployment's server id",
      proof({ "x-annex-server-id": "other" }),
      "another deployment",
    ],
    [
      "the server id left out of the signature",
      proof({
        Authorization:
          "AWS4-HMAC-SHA256 Credential=A/20261201/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
      }),
      "not among the signed headers",
    ],
    ["no X-Amz-Date", proof({ "X-Amz-Date": undefined as never }), "no X-Amz-Date"],
    [
      "a signature 16 minutes old",
      proof({ "X-Amz-Date": "20261201T114400Z" }),
      "more than 15 minutes",
    ],
    [
      "a signature 16 minutes ahead",
      proof({ "X-Amz-Date": "20261201T121600Z" }),
      "more than 15 minutes",
    ],
    ["a header given twice", proof({ host: "sts.eu-west-1.amazonaws.com" }), "given twice"],
    ["a framing header", proof({ "Transfer-Encoding": "chunked" }), "may not be forwarded"],
    ["a wrong Content-Length", proof({ "Content-Length": "3" }), "content-length"],
  ])("refuses %s", (_, given, reason) => {
    const headers = Object.fromEntries(
      Object.entries(given.headers).filter(([, v]) => v !== undefined),
    );
    expect(reasonOf(() => checkProof({ ...given, headers }, CONFIG, NOW))).toContain(reason);
  });
});

describe("signerOf", () => {
  it("reads the instance and whether the role is ours", () => {
    expect(
      signerOf(
        "arn:aws:sts::123456789012:assumed-role/annex-instance/i-0123456789abcdef0",
        CONFIG.role,
      ),
    ).toEqual({ roleName: "annex-instance", instanceId: "i-0123456789abcdef0", ours: true });
    expect(
      signerOf(
        "arn:aws:sts::123456789012:assumed-role/other-role/i-0123456789abcdef0",
        CONFIG.role,
      ),
    ).toMatchObject({ ours: false });
  });

  it.each([
    ["a user", "arn:aws:iam::123456789012:user/alice", "not by an instance role"],
    [
      "another account",
      "arn:aws:sts::999999999999:assumed-role/annex-instance/i-0123456789abcdef0",
      "another account",
    ],
    [
      "another partition",
      "arn:aws-cn:sts::123456789012:assumed-role/annex-instance/i-0123456789abcdef0",
      "another account",
    ],
    [
      "a session that is not an instance",
      "arn:aws:sts::123456789012:assumed-role/annex-instance/alice",
      "not by an instance",
    ],
  ])("refuses %s", (_, arn, reason) => {
    expect(reasonOf(() => signerOf(arn, CONFIG.role))).toContain(reason);
  });
});

describe("parseBootstrap", () => {
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const body = {
    iamHttpRequestMethod: "POST",
    iamRequestUrl: b64(CONFIG.stsUrl),
    iamRequestHeaders: b64(JSON.stringify({ Host: "h", "X-Multi": ["a", "b"] })),
    iamRequestBody: b64(GET_CALLER_IDENTITY_BODY),
  };

  it("decodes Vault's iam login fields (headers as base64 JSON or as an object)", () => {
    expect(parseBootstrap(body)).toEqual({
      iamHttpRequestMethod: "POST",
      iamRequestUrl: CONFIG.stsUrl,
      iamRequestHeaders: { Host: "h", "X-Multi": "a,b" },
      iamRequestBody: GET_CALLER_IDENTITY_BODY,
    });
    expect(parseBootstrap({ ...body, iamRequestHeaders: { Host: "h" } }).iamRequestHeaders).toEqual(
      {
        Host: "h",
      },
    );
  });

  it("refuses what is not base64, headers that cannot be sent, and the old identity document", () => {
    expectIssue(
      () => parseBootstrap({ ...body, iamRequestUrl: "not base64!" }),
      "iamRequestUrl",
      "base64",
    );
    expectIssue(
      () => parseBootstrap({ ...body, iamRequestHeaders: b64("[1]") }),
      "iamRequestHeaders",
      "header names",
    );
    expectIssue(
      () => parseBootstrap({ ...body, iamRequestHeaders: { Host: "a\r\nX-Injected: 1" } }),
      "iamRequestHeaders",
      "printable",
    );
    expectIssue(
      () => parseBootstrap({ ...body, iamRequestHeaders: { "Bad Name": "x" } }),
      "iamRequestHeaders",
    );
    expectIssue(
      () => parseBootstrap({ document: "{}", signature: "c2ln" }),
      "document",
      "unknown field",
    );
    expectIssue(() => parseBootstrap({}), "iamRequestUrl", "required");
  });

  it("keeps a header named __proto__ as a plain header", () => {
    const parsed = parseBootstrap({ ...body, iamRequestHeaders: b64('{"__proto__":"x"}') });
    expect(Object.entries(parsed.iamRequestHeaders)).toEqual([["__proto__", "x"]]);
  });
});
