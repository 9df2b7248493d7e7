/** PATCH /annexes/{name}: reset the lease to now + durationHours. */

import { z } from "zod";
import type { Limits } from "../settings.ts";
import { atLeast, parseBody } from "./common.ts";

/** The extend schema, bounded by the pool's limits. */
export function extendAnnexSchema(limits: Limits) {
  return z
    .object({
      durationHours: atLeast(
        z
          .number()
          .finite()
          .positive("must be greater than 0")
          .max(limits.maxDurationHours, `must be at most ${limits.maxDurationHours} hours`),
        limits.minDurationHours,
      ),
    })
    .strict();
}

/** A validated lease reset. */
export type ExtendAnnexRequest = z.output<ReturnType<typeof extendAnnexSchema>>;

/** Validates a PATCH /annexes/{name} body. */
export function parseExtendAnnex(body: unknown, limits: Limits): ExtendAnnexRequest {
  return parseBody(extendAnnexSchema(limits), body);
}
