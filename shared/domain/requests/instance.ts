/** Requests instances make: POST /bootstrap and POST /heartbeat. */

import { z } from "zod";
import { ANNEX_ID_PATTERN, addIssue, INSTANCE_ID_PATTERN, parseBody } from "./common.ts";

const bootstrapSchema = z
  .object({
    /** The annex the instance believes it belongs to; when given, it must match the instance's tag. */
    annexId: z.string().regex(ANNEX_ID_PATTERN, "must be an annex id").optional(),
    document: z.string().min(1, "must not be empty").max(16384, "must be at most 16384 characters"),
    signature: z
      .string()
      .max(8192, "must be at most 8192 characters")
      .regex(/^[A-Za-z0-9+/=\s]+$/, "must be base64"),
  })
  .strict();

/** A bootstrap request: the instance identity document and its signature. */
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
