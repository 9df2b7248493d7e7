/** The shape of one EC2 action: its SDK schema (for parsing and XML) and its handler. */

import type { StaticOperationSchema } from "@smithy/types";
import type { Ec2Context } from "../core/context.ts";

export interface Call {
  /** The clock's time when the request arrived. */
  now: number;
  requestId: string;
}

export interface Operation {
  schema: StaticOperationSchema;
  handle(ctx: Ec2Context, input: Record<string, unknown>, call: Call): object;
}

/** Pairs a schema with a typed handler (input and output types come from `@aws-sdk/client-ec2`). */
export function operation<I, O extends object>(
  schema: StaticOperationSchema,
  handle: (ctx: Ec2Context, input: I, call: Call) => O,
): Operation {
  return { schema, handle: (ctx, input, call) => handle(ctx, input as I, call) };
}
