/** POST /setup: the pool settings and secret setup stores. */

import { z } from "zod";
import { isHostPort, parseCidr } from "../net.ts";
import type { PriceTable } from "../prices.ts";
import { addIssue, imageId, instanceType, isJsonObject, parseBody } from "./common.ts";
import { MAX_BUDGET_USD } from "./create-annex.ts";

/** A CIDR block, normalized to canonical text; host bits must be zero. */
const cidr = z.string().transform((text, ctx) => {
  const parsed = parseCidr(text);
  if (typeof parsed === "string") {
    addIssue(ctx, [], parsed);
    return z.NEVER;
  }
  return parsed.cidr;
});

/** A sum of US dollars, at most what a create may name. */
const usd = z
  .number()
  .finite()
  .positive("must be greater than 0")
  .max(MAX_BUDGET_USD, `must be at most ${MAX_BUDGET_USD}`);

/** Pinned prices: instance type → USD per hour, at most 500 of them. */
function checkPriceTable(table: unknown, ctx: z.RefinementCtx): void {
  if (!isJsonObject(table)) {
    addIssue(ctx, [], "must be an object of instance type → USD per hour");
    return;
  }
  const entries = Object.entries(table);
  if (entries.length > 500) addIssue(ctx, [], "must pin at most 500 instance types");
  for (const [type, price] of entries) {
    const typeOk = instanceType.safeParse(type).success && type !== "__proto__";
    if (!typeOk) addIssue(ctx, [type], "must be an instance type such as m5.large");
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0 || price > 1000)
      addIssue(ctx, [type], "must be a price in USD per hour (greater than 0, at most 1000)");
  }
}

/** A pool's shortest lease or idle timeout: lowered for demos and tests, never to nothing. */
const shortest = z
  .number()
  .finite()
  .min(0.001, "must be at least 0.001 hours (3.6 seconds)")
  .max(24, "must be at most 24 hours");

const setupSchema = z
  .object({
    collectorHost: z
      .string()
      .max(260, "must be at most 260 characters")
      .refine(isHostPort, "must be host or host:port, e.g. cm.example.org:9618"),
    allowCidr: cidr,
    vpcId: z
      .string()
      .regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, "must be a VPC id such as vpc-0123456789abcdef0")
      .optional(),
    sshCidr: cidr.optional(),
    createKeyPair: z.boolean().optional(),
    poolPassword: z
      .string()
      .min(1, "must not be empty")
      .max(1024, "must be at most 1024 characters")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the password is written to a file as a C string
      .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters")
      .optional(),
    poolToken: z
      .string()
      .max(16384, "must be at most 16384 characters")
      .regex(
        /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
        "must be an HTCondor IDTOKEN (a JWT)",
      )
      .optional(),
    defaults: z
      .object({ instanceType: instanceType.optional(), imageId: imageId.optional() })
      .strict()
      .optional(),
    limits: z
      .object({
        maxCount: z
          .number()
          .int("must be a whole number")
          .min(1, "must be at least 1")
          .max(10000, "must be at most 10000"),
        maxDurationHours: z
          .number()
          .finite()
          .positive("must be greater than 0")
          .max(8760, "must be at most 8760 hours"),
        defaultBudgetUsd: usd,
        maxBudgetUsd: usd,
        minDurationHours: shortest,
        minIdleHours: shortest,
      })
      .strict()
      .partial()
      .superRefine((limits, ctx) => {
        const { minDurationHours: min, maxDurationHours: max } = limits;
        if (min !== undefined && max !== undefined && min > max)
          addIssue(ctx, ["minDurationHours"], `must not exceed maxDurationHours (${max})`);
      })
      .optional(),
    prices: z
      .unknown()
      .superRefine(checkPriceTable)
      .transform((table) => Object.fromEntries(Object.entries(table as object)) as PriceTable)
      .optional(),
  })
  .strict()
  .superRefine((setup, ctx) => {
    if (setup.poolPassword !== undefined && setup.poolToken !== undefined) {
      addIssue(ctx, ["poolToken"], "must not be given with poolPassword");
    }
  });

/** A validated setup request; CIDRs are canonical. Neither secret means "keep the stored one". */
export type SetupRequest = z.output<typeof setupSchema>;

/** Validates a POST /setup body. */
export function parseSetup(body: unknown): SetupRequest {
  return parseBody(setupSchema, body);
}
