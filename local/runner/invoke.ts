/** Loads a function's handler module and invokes it the way Lambda would. */

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { FunctionDefinition } from "./service-definition.ts";

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Something that runs functions by name with an event, as `lambda:Invoke` would. */
export interface Invoker {
  invoke(name: string, event: unknown): Promise<unknown>;
}

/**
 * The function each invocation runs, for whatever it does asynchronously: tools that watch the
 * local stack (a benchmark counting each function's AWS calls) read it; handlers never do.
 */
export const invocation = new AsyncLocalStorage<{ functionName: string }>();

/** An invoker over the functions of serverless.yml, loading each module once. */
export function createInvoker(root: string, functions: FunctionDefinition[]): Invoker {
  const byName = new Map(functions.map((fn) => [fn.name, fn]));
  const loaded = new Map<string, Promise<Handler>>();
  const load = (fn: FunctionDefinition) => {
    let handler = loaded.get(fn.name);
    if (handler === undefined) {
      handler = import(pathToFileURL(resolve(root, `${fn.module}.ts`)).href).then((module) => {
        const exported = (module as Record<string, unknown>)[fn.exportName];
        if (typeof exported !== "function")
          throw new Error(`${fn.module} exports no ${fn.exportName}`);
        return exported as Handler;
      });
      loaded.set(fn.name, handler);
    }
    return handler;
  };
  return {
    async invoke(name, event) {
      const fn = byName.get(name);
      if (fn === undefined) throw new Error(`no function named ${name}`);
      const handler = await load(fn);
      return invocation.run({ functionName: fn.name }, () => handler(event, lambdaContext(fn)));
    },
  };
}

function lambdaContext(fn: FunctionDefinition): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const name = `cloud-annex-local-${fn.name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
