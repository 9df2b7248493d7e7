/** Requests instances make: POST /bootstrap and POST /heartbeat. */

import { z } from "zod";
import { ANNEX_ID_PATTERN, addIssue, INSTANCE_ID_PATTERN, parseBody } from "./common.ts";

/** Strict base64 (what Vault's login takes for the request's URL, body and headers). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64 = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).regex(BASE64, "must be base64");

const decode = (text: string) => Buffer.from(text, "base64").toString("utf8");

/** HTTP header names (RFC 9110 tokens) and values that can be sent as they are. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const HEADER_VALUE = /^[\x20-\x7e]{0,8192}$/;
const MAX_HEADERS = 20;
const HEADERS_MESSAGE =
  "must be base64 of a JSON object of at most 20 header names to printable values (or such an object)";

/** The signed request's headers: base64 of a JSON object (or the object); a list value is joined. */
const signedHeaders = z.unknown().transform((value, ctx): Record<string, string> => {
  const headers = headerMap(typeof value === "string" ? jsonOf(value) : value);
  if (headers === undefined) {
    addIssue(ctx, [], HEADERS_MESSAGE);
    return z.NEVER;
  }
  return headers;
});

/** The JSON a base64 text holds, or undefined. */
function jsonOf(text: string): unknown {
  if (text.length > 65536 || !BASE64.test(text)) return undefined;
  try {
    return JSON.parse(decode(text));
  } catch {
    return undefined;
  }
}

/** Header names to values, when every name and value can be sent as it is. */
function headerMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return undefined;
  const headers: [string, string][] = [];
  for (const [name, raw] of entries) {
    const text =
      Array.isArray(raw) && raw.every((v) => typeof v === "string") ? raw.join(",") : raw;
    if (!HEADER_NAME.test(name) || typeof text !== "string" || !HEADER_VALUE.test(text))
      return undefined;
    headers.push([name, text]);
  }
  // fromEntries defines each name as an own property (even "__proto__").
  return Object.fromEntries(headers);
}

const bootstrapSchema = z
  .object({
    /** The annex the instance believes it belongs to; when given, it must match the instance's tag. */
    annexId: z.string().regex(ANNEX_ID_PATTERN, "must be an annex id").optional(),
    iamHttpRequestMethod: z.string().max(16, "must be at most 16 characters"),
    iamRequestUrl: base64(4096).transform(decode),
    iamRequestHeaders: signedHeaders,
    iamRequestBody: base64(4096).transform(decode),
  })
  .strict();

/** A bootstrap request: the signed GetCallerIdentity (Vault's `iam` login fields), decoded. */
export type BootstrapRequest = z.output<typeof bootstrapSchema>;

/** Validates a POST /bootstrap body. */
export function parseBootstrap(body: unknown): BootstrapRequest {
  return parseBody(bootstrapSchema, body);
}

const count = z.number().int("must be a whole number").min(0, "must be at least 0").max(100000);

const heartbeatSchema = z
  .object({
    annexId: z.string().regex(ANNEX_ID_PATTERN, "must be an annex id"),
    instanceId: z
      .string()
      .regex(INSTANCE_ID_PATTERN, "must be an instance id such as i-0123456789abcdef0"),
    state: z.enum(["idle", "busy"]),
    /** What the instance's metadata warns of: `spot/instance-action` or `events/recommendations/rebalance`. */
    interruption: z.enum(["spot-interruption", "rebalance-recommendation"]).optional(),
    slots: z
      .object({ total: count, claimed: count })
      .strict()
      .superRefine((slots, ctx) => {
        if (slots.claimed > slots.total) addIssue(ctx, ["claimed"], "must not exceed total");
      })
      .optional(),
  })
  .strict();

/** A heartbeat: which instance, and whether it is idle or busy. */
export type HeartbeatRequest = z.output<typeof heartbeatSchema>;

/** Validates a POST /heartbeat body. */
export function parseHeartbeat(body: unknown): HeartbeatRequest {
  return parseBody(heartbeatSchema, body);
}
