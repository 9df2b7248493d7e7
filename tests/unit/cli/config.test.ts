import { describe, expect, it } from "vitest";
import {
  configPaths,
  DEFAULT_URL,
  isLocalStack,
  isLoopback,
  loadConfig,
  regionFromUrl,
  resolveEndpoint,
} from "../../../cli/config.ts";
import { UsageError } from "../../../cli/errors.ts";

describe("resolveEndpoint", () => {
  it("defaults to the local stack, unsigned", () => {
    expect(resolveEndpoint({}, {}, {})).toEqual({ url: new URL(DEFAULT_URL) });
  });

  it("prefers --url, then ANNEX_URL, then the config file", () => {
    const env = { ANNEX_URL: "http://127.0.0.1:4000" };
    const config = { url: "http://127.0.0.1:5000" };
    expect(resolveEndpoint({ url: "http://localhost:3001" }, env, config).url.port).toBe("3001");
    expect(resolveEndpoint({}, env, config).url.port).toBe("4000");
    expect(resolveEndpoint({}, {}, config).url.port).toBe("5000");
  });

  it("signs a deployed stage in the region of its URL unless told otherwise", () => {
    const url = "https://abc123.execute-api.eu-west-1.amazonaws.com";
    expect(resolveEndpoint({ url }, { AWS_REGION: "us-east-1" }, {}).region).toBe("eu-west-1");
    expect(resolveEndpoint({ url }, {}, { region: "ap-south-1" }).region).toBe("ap-south-1");
    expect(resolveEndpoint({ url, region: "us-west-2" }, {}, { region: "ap-south-1" }).region).toBe(
      "us-west-2",
    );
  });

  it("falls back to AWS_REGION for a custom domain, and says so when it cannot tell", () => {
    const url = "https://annex.example.org";
    expect(resolveEndpoint({ url }, { AWS_DEFAULT_REGION: "sa-east-1" }, {}).region).toBe(
      "sa-east-1",
    );
    expect(() => resolveEndpoint({ url }, {}, {})).toThrow(
      /cannot tell the AWS region of annex\.example\.org/,
    );
  });

  it("signs https: and non-loopback URLs; only plain http: to loopback is the local stack", () => {
    const env = { AWS_REGION: "us-east-2" };
    expect(resolveEndpoint({ url: "http://localhost:3000" }, env, {}).region).toBeUndefined();
    expect(resolveEndpoint({ url: "http://[::1]:3000" }, env, {}).region).toBeUndefined();
    expect(resolveEndpoint({ url: "https://127.0.0.1:8443" }, env, {}).region).toBe("us-east-2");
    expect(resolveEndpoint({ url: "https://localhost" }, env, {}).region).toBe("us-east-2");
    expect(resolveEndpoint({ url: "http://192.0.2.2:3000" }, env, {}).region).toBe("us-east-2");
    expect(() => resolveEndpoint({ url: "https://127.0.0.1:8443" }, {}, {})).toThrow(
      /cannot tell the AWS region of 127\.0\.0\.1:8443/,
    );
  });

  it("rejects what is not an http(s) URL", () => {
    expect(() => resolveEndpoint({ url: "not a url" }, {}, {})).toThrow(UsageError);
    expect(() => resolveEndpoint({ url: "ftp://x" }, {}, {})).toThrow(/not an http\(s\) URL/);
  });
});

describe("isLoopback, isLocalStack and regionFromUrl", () => {
  it.each([
    ["http://127.0.0.1:3000", true],
    ["http://127.1.2.3", true],
    ["http://localhost:3000", true],
    ["http://[::1]:3000", true],
    ["http://192.0.2.2:3000", false],
    ["https://abc.execute-api.us-east-1.amazonaws.com", false],
  ])("%s loopback: %s", (url, loopback) => {
    expect(isLoopback(new URL(url))).toBe(loopback);
  });

  it.each([
    ["http://127.0.0.1:3000", true],
    ["http://localhost:3000", true],
    ["https://127.0.0.1:3000", false],
    ["https://[::1]", false],
    ["http://192.0.2.2:3000", false],
  ])("%s local stack: %s", (url, local) => {
    expect(isLocalStack(new URL(url))).toBe(local);
  });

  it("finds regions in API Gateway and Lambda URLs only", () => {
    expect(regionFromUrl(new URL("https://a1.execute-api.us-gov-west-1.amazonaws.com/dev"))).toBe(
      "us-gov-west-1",
    );
    expect(regionFromUrl(new URL("https://x.lambda-url.eu-north-1.on.aws/"))).toBe("eu-north-1");
    expect(regionFromUrl(new URL("https://annex.example.org"))).toBeUndefined();
  });
});

describe("loadConfig", () => {
  const paths = configPaths({ XDG_CONFIG_HOME: "/xdg" }, "/home/u");

  it("looks in XDG first, then ~/.annex", () => {
    expect(paths).toEqual(["/xdg/annex/config.json", "/home/u/.annex/config.json"]);
    expect(configPaths({}, "/home/u")[0]).toBe("/home/u/.config/annex/config.json");
  });

  it("reads the first file that exists", () => {
    const files: Record<string, string> = {
      "/home/u/.annex/config.json": '{"url":"http://127.0.0.1:1","region":"eu-west-1"}',
    };
    expect(loadConfig(paths, (p) => files[p])).toEqual({
      config: { url: "http://127.0.0.1:1", region: "eu-west-1" },
      path: "/home/u/.annex/config.json",
    });
    expect(loadConfig(paths, () => undefined)).toEqual({ config: {} });
  });

  it("rejects a config file that is not JSON or has wrong types", () => {
    expect(() => loadConfig(paths, () => "{")).toThrow(
      "the config file /xdg/annex/config.json is not valid JSON.",
    );
    expect(() => loadConfig(paths, () => '{"url": 3}')).toThrow(/is invalid at url: /);
  });
});
