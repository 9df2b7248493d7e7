/**
 * A tap on the wire between the handlers and the local AWS: an HTTP proxy the stack's
 * `AWS_ENDPOINT_URL` points at. It names each call by service and action (from the SigV4
 * credential scope, `X-Amz-Target`, the EC2 `Action` and the S3 method and key), counts calls,
 * SDK retries, AWS error answers and DynamoDB items returned, and injects crashes: a call can be
 * held before it reaches AWS or after AWS did it (its answer never arrives, as when a Lambda dies
 * there), or answered with an AWS error. Black-box: nothing in the product knows it is there.
 */

import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One call as the tap sees it. */
export interface TappedCall {
  service: string;
  /** `PutItem`, `RunInstances`, `PUT annexes/…` (S3: method and key without the bucket). */
  action: string;
  body: string;
}

export interface CallPattern {
  service: string;
  /** Exact action, or a test on it. */
  action: string | RegExp;
  match?: (call: TappedCall) => boolean;
}

/** A call stopped at the tap: `reached` resolves when it arrives; `release` lets it finish. */
export interface Hold {
  reached: Promise<TappedCall>;
  release(): void;
}

interface HoldRule {
  pattern: CallPattern;
  when: "before" | "after";
  onReach(call: TappedCall): void;
  released: Promise<void>;
}

interface FailRule {
  pattern: CallPattern;
  times: number;
  status: number;
  code: string;
}

export interface TapCounts {
  calls: number;
  /** Calls the SDK sent again after a failure (`amz-sdk-request: attempt=N`, N > 1). */
  sdkRetries: number;
  /** AWS error answers by `service:code` (throttling, 5xx, capacity, conditional checks, injected). */
  errors: Record<string, number>;
  byAction: Record<string, number>;
  /** DynamoDB items in the answers (`Item`, `Items`, `Responses`). */
  dynamoItemsRead: number;
  /** Every EC2 call, in order (bodies are small form-encoded queries). */
  ec2Calls: TappedCall[];
  /** DynamoDB items read and EC2 calls per caller (the `x-tap-caller` header; `other` without). */
  byCaller: Record<string, { dynamoItemsRead: number; ec2Calls: number }>;
}

export interface AwsTap {
  url: string;
  counts: TapCounts;
  resetCounts(): void;
  /** Holds the next call matching `pattern`, before it reaches AWS or after AWS answered it. */
  hold(pattern: CallPattern, when: "before" | "after"): Hold;
  /** Answers the next `times` calls matching `pattern` with an AWS error, without doing them. */
  fail(pattern: CallPattern, error: { status: number; code: string; times?: number }): void;
  /** Stops failing calls (holds stay until released). */
  clearFailures(): void;
  /** Resolves once no call has been in flight for `quietMs` (held calls excepted). */
  idle(quietMs?: number): Promise<void>;
  /** Drops every call in flight (held ones included): their callers see the connection reset. */
  dropAll(): void;
  close(): Promise<void>;
}

const emptyCounts = (): TapCounts => ({
  calls: 0,
  sdkRetries: 0,
  errors: {},
  byAction: {},
  dynamoItemsRead: 0,
  ec2Calls: [],
  byCaller: {},
});

/** The header a process may add to its AWS calls to have the tap count them apart. */
export const CALLER_HEADER = "x-tap-caller";

/** The instance ids an EC2 call names (`InstanceId.N=`). */
export const instanceIdsOf = (call: TappedCall): string[] =>
  [...new URLSearchParams(call.body).entries()]
    .filter(([key]) => /^InstanceId\.\d+$/.test(key))
    .map(([, value]) => value);

/** Starts the tap on a free loopback port, forwarding to `target` (e.g. `http://127.0.0.1:4566`). */
export async function startAwsTap(target: string): Promise<AwsTap> {
  const to = new URL(target);
  const holds: HoldRule[] = [];
  const failures: FailRule[] = [];
  const tap = { counts: emptyCounts() };
  const open = new Set<ServerResponse>();
  const held = new Set<ServerResponse>();
  let lastActivity = performance.now();

  const takeHold = (call: TappedCall, when: "before" | "after") => {
    const index = holds.findIndex((rule) => rule.when === when && matches(rule.pattern, call));
    if (index < 0) return undefined;
    const [rule] = holds.splice(index, 1);
    rule?.onReach(call);
    return rule?.released;
  };

  const server = createServer((req, res) => {
    // No Date header: the SDK corrects its clock from it, and the tests move time in jumps.
    res.sendDate = false;
    open.add(res);
    lastActivity = performance.now();
    res.on("close", () => {
      open.delete(res);
      held.delete(res);
      lastActivity = performance.now();
    });
    void (async () => {
      const body = await readAll(req);
      const call = nameCall(req, body.toString("utf8"));
      count(tap.counts, req, call);
      const failure = failures.find((rule) => rule.times > 0 && matches(rule.pattern, call));
      if (failure) {
        failure.times -= 1;
        const key = `${call.service}:${failure.code}`;
        tap.counts.errors[key] = (tap.counts.errors[key] ?? 0) + 1;
        return sendError(res, call.service, failure.status, failure.code);
      }
      const before = takeHold(call, "before");
      if (before) await holding(res, before);
      const answer = await forward(to, req, body);
      countAnswer(tap.counts, call, answer, String(req.headers[CALLER_HEADER] ?? "other"));
      const after = takeHold(call, "after");
      if (after) await holding(res, after);
      if (res.destroyed) return;
      delete answer.headers.date;
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    })().catch(() => res.destroy());
  });
  const holding = async (res: ServerResponse, released: Promise<void>) => {
    held.add(res);
    await released;
    held.delete(res);
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return tap.counts;
    },
    resetCounts: () => {
      tap.counts = emptyCounts();
    },
    hold(pattern, when) {
      let release = () => {};
      let onReach: (call: TappedCall) => void = () => {};
      const reached = new Promise<TappedCall>((resolve) => {
        onReach = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push({ pattern, when, onReach, released });
      return { reached, release };
    },
    fail(pattern, error) {
      failures.push({ pattern, times: error.times ?? 1, status: error.status, code: error.code });
    },
    clearFailures: () => {
      failures.length = 0;
    },
    async idle(quietMs = 60) {
      const deadline = performance.now() + 10_000;
      for (;;) {
        const busy = open.size > held.size;
        if (!busy && performance.now() - lastActivity >= quietMs) return;
        if (performance.now() > deadline) throw new Error("the handlers' AWS calls never settled");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    dropAll() {
      for (const res of open) res.destroy();
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function matches(pattern: CallPattern, call: TappedCall): boolean {
  if (pattern.service !== call.service) return false;
  const action =
    typeof pattern.action === "string"
      ? pattern.action === call.action
      : pattern.action.test(call.action);
  return action && (pattern.match?.(call) ?? true);
}

function nameCall(req: IncomingMessage, body: string): TappedCall {
  const url = new URL(req.url ?? "/", "http://tap");
  const credential = req.headers.authorization ?? url.searchParams.get("X-Amz-Credential") ?? "";
  const service = /[^/=\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(credential)?.[1] ?? "other";
  let action = "";
  if (service === "dynamodb")
    action = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
  else if (service === "s3") {
    const key = decodeURIComponent(url.pathname).split("/").slice(2).join("/");
    action = `${req.method} ${key}`;
  } else action = new URLSearchParams(body).get("Action") ?? url.searchParams.get("Action") ?? "";
  return { service, action, body };
}

function count(counts: TapCounts, req: IncomingMessage, call: TappedCall): void {
  counts.calls += 1;
  const key = `${call.service}:${call.service === "s3" ? call.action.split(" ")[0] : call.action}`;
  counts.byAction[key] = (counts.byAction[key] ?? 0) + 1;
  if (call.service === "ec2") counts.ec2Calls.push(call);
  const attempt = /attempt=(\d+)/.exec(String(req.headers["amz-sdk-request"] ?? ""));
  if (attempt && Number(attempt[1]) > 1) counts.sdkRetries += 1;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function countAnswer(counts: TapCounts, call: TappedCall, answer: Answer, caller: string): void {
  const text = answer.body.toString("utf8");
  const mine = counts.byCaller[caller] ?? { dynamoItemsRead: 0, ec2Calls: 0 };
  counts.byCaller[caller] = mine;
  if (call.service === "ec2") mine.ec2Calls += 1;
  if (answer.status >= 400) {
    const code =
      /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ??
      /"__type"\s*:\s*"[^"#]*#?([^"]+)"/.exec(text)?.[1] ??
      `HTTP ${answer.status}`;
    const key = `${call.service}:${code}`;
    counts.errors[key] = (counts.errors[key] ?? 0) + 1;
    return;
  }
  if (call.service !== "dynamodb" || text === "") return;
  const parsed = JSON.parse(text) as {
    Item?: unknown;
    Items?: unknown[];
    Responses?: Record<string, unknown[]>;
  };
  const items =
    (parsed.Item !== undefined ? 1 : 0) +
    (parsed.Items?.length ?? 0) +
    Object.values(parsed.Responses ?? {}).reduce((sum, list) => sum + list.length, 0);
  counts.dynamoItemsRead += items;
  mine.dynamoItemsRead += items;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request's headers less its framing (the tap forwards the whole body at once). */
function withoutFraming(headers: IncomingMessage["headers"]): IncomingMessage["headers"] {
  const { "transfer-encoding": _, "content-length": __, ...rest } = headers;
  return rest;
}

/** A fresh connection per call: a kept-alive one can be closed by the local AWS just as it is reused. */
const upstream = new Agent({ keepAlive: false });

function forward(to: URL, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        agent: upstream,
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        // The Host header stays the caller's: it is signed (STS checks it on instance proofs).
        headers: { ...withoutFraming(req.headers), "content-length": String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const headers = { ...res.headers } as Record<string, string | string[]>;
          delete headers["transfer-encoding"];
          const payload = Buffer.concat(chunks);
          headers["content-length"] = String(payload.length);
          resolve({ status: res.statusCode ?? 500, headers, body: payload });
        });
        res.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}

function sendError(res: ServerResponse, service: string, status: number, code: string): void {
  const message = `injected by the test tap: ${code}`;
  if (service === "dynamodb") {
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message });
    res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
    res.end(body);
    return;
  }
  const xml =
    service === "s3"
      ? `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
      : `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>tap</RequestID></Response>`;
  res.writeHead(status, { "content-type": "text/xml" });
  res.end(xml);
}
