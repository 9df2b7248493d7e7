import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiRefusedError, ApiUnreachableError } from "../../../cli/errors.ts";
import { ApiClient } from "../../../cli/http.ts";

type Reply = [number, string];
let replies: Reply[] = [];
const seen: Array<{ method: string; url: string; body: string; owner?: string }> = [];
let server: Server;
let base: URL;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        body: Buffer.concat(chunks).toString(),
        owner: req.headers["x-annex-owner"] as string | undefined,
      });
      const [status, body] = replies.shift() ?? [200, "{}"];
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  replies = [];
  seen.length = 0;
});

const delays: number[] = [];
const client = (opts: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
  new ApiClient({
    baseUrl: base,
    owner: "alice",
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...opts,
  });
const ok = z.object({ ok: z.boolean() });

describe("ApiClient", () => {
  it("sends JSON with the owner header and returns the validated answer", async () => {
    replies = [[200, '{"ok":true,"extra":1}']];
    const answer = await client().call("POST", "/setup", ok, { a: 1 });
    expect(answer.ok).toBe(true);
    expect(seen).toEqual([{ method: "POST", url: "/setup", body: '{"a":1}', owner: "alice" }]);
  });

  it("retries 5xx and 429 with growing delays and the same body", async () => {
    delays.length = 0;
    replies = [
      [503, ""],
      [429, '{"message":"Too Many Requests"}'],
      [200, '{"ok":true}'],
    ];
    await client().call("POST", "/annexes", ok, { clientToken: "t-1" });
    expect(seen.map((s) => s.body)).toEqual(Array(3).fill('{"clientToken":"t-1"}'));
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(delays[0] as number);
  });

  it("does not retry a 4xx and keeps the server's message", async () => {
    replies = [
      [409, '{"error":{"code":"NameInUse","message":"an annex named \\"A\\" is already live"}}'],
    ];
    const error = await client()
      .call("POST", "/annexes", ok, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRefusedError);
    expect(error).toMatchObject({
      status: 409,
      code: "NameInUse",
      message: 'an annex named "A" is already live',
    });
    expect(seen).toHaveLength(1);
  });

  it("reads API Gateway's own error shape", async () => {
    replies = [[403, '{"message":"Forbidden"}']];
    await expect(client().call("GET", "/annexes", ok)).rejects.toThrow(/^Forbidden$/);
  });

  it("does not retry a 5xx that carries a definitive answer (no capacity)", async () => {
    replies = [
      [
        503,
        '{"error":{"code":"InsufficientCapacity","message":"no m4.large capacity"},"annex":{}}',
      ],
    ];
    const error = await client()
      .call("POST", "/annexes", ok, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRefusedError);
    expect((error as Error).message).toBe("no m4.large capacity");
    expect(seen).toHaveLength(1);
  });

  it("gives up after the retries with the last server error", async () => {
    replies = Array(4).fill([500, '{"error":{"code":"InternalError","message":"internal error"}}']);
    await expect(client().call("GET", "/annexes", ok)).rejects.toThrow("internal error (HTTP 500)");
    expect(seen).toHaveLength(4);
  });

  it("reports an answer that does not fit the contract", async () => {
    replies = [[200, '{"ok":"yes"}']];
    await expect(client().call("GET", "/x", ok)).rejects.toThrow(
      /^unexpected answer from the API \(HTTP 200: ok /,
    );
  });

  it("reports an unreachable API after retrying", async () => {
    const dead = client({ baseUrl: new URL("http://127.0.0.1:9"), retries: 1 });
    const error = await dead.call("GET", "/annexes", ok).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toMatch(
      /^cannot reach the annex API at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
    );
  });

  it("keeps a base path (API Gateway stage) in front of routes", async () => {
    replies = [[200, '{"ok":true}']];
    await client({ baseUrl: new URL(`${base.href}dev/`) }).call("GET", "/annexes/A%20B", ok);
    expect(seen[0]?.url).toBe("/dev/annexes/A%20B");
  });
});
