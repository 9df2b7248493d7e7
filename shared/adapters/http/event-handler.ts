/**
 * The factory for functions that events invoke (the EventBridge schedule, `aws.ec2` events, a
 * direct invocation): the logger gets the Lambda context, and keys a run appended are reset after it.
 */

import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { logger } from "./logger.ts";

/** Builds the Lambda handler of one event function. */
export function eventHandler<E, R>(run: (event: E, context: Context) => Promise<R>) {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(run);
}
