/** One EC2 Query call, from its parameters to its XML answer: faults, parsing, DryRun, the handler. */

import * as sdk from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { Ec2Error } from "../protocol/errors.ts";
import { parseInput } from "../protocol/query.ts";
import { responseXml } from "../protocol/xml.ts";
import { operations } from "./index.ts";

/** Whether `action` names an EC2 API action at all (implemented or not). */
function isEc2Action(action: string): boolean {
  const schema = (sdk as Record<string, unknown>)[`${action}$`];
  return Array.isArray(schema) && schema[0] === 9;
}

/** Runs the call described by `params`; throws `Ec2Error` for every EC2 error answer. */
export function dispatch(ctx: Ec2Context, params: URLSearchParams, requestId: string): string {
  const action = params.get("Action");
  if (!action) throw new Ec2Error("MissingAction", "The request must contain the parameter Action");
  const op = operations[action];
  if (!op) {
    if (isEc2Action(action))
      throw new Ec2Error(
        "UnsupportedOperation",
        `The action ${action} is not supported by the local EC2 emulator.`,
      );
    throw new Ec2Error("InvalidAction", `The action ${action} is not valid for this web service.`);
  }
  const now = ctx.clock.now();
  ctx.scheduler.runDue(now);
  ctx.faults.check(action);
  const input = parseInput(op.schema, params);
  if (input.DryRun === true)
    throw new Ec2Error(
      "DryRunOperation",
      "Request would have succeeded, but DryRun flag is set.",
      412,
    );
  const output = op.handle(ctx, input, { now, requestId });
  return responseXml(op.schema, action, output, requestId);
}
