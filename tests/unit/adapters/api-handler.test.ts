/**
 * The API handler factory: Powertools gets the Lambda context, the annex and instance keys a
 * use-case names are on every later line of that invocation, and gone at the next.
 */

import { readFileSync } from "node:fs";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiHandler } from "../../../shared/adapters/http/api-handler.ts";
import { log } from "../../../shared/adapters/http/logger.ts";
import { NotFoundError } from "../../../shared/domain/errors.ts";

const event = JSON.parse(
  readFileSync(new URL("../../../events/http/health.json", import.meta.url), "utf8"),
);

const context = (requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: "cloud-annex-test-get-annex",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:cloud-annex-test-get-annex",
  memoryLimitInMB: "512",
  awsRequestId: requestId,
  logGroupName: "/aws/lambda/cloud-annex-test-get-annex",
  logStreamName: "test",
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

let lines: Array<Record<string, unknown>> = [];
const write = process.stdout.write.bind(process.stdout);

beforeEach(() => {
  lines = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = write;
});

describe("apiHandler logging", () => {
  const handler = apiHandler({
    auth: "none",
    run: async ({ body }) => {
      if ((body as { about?: boolean }).about) log.about({ annexId: "01ANNEX", instanceId: "i-1" });
      throw new NotFoundError('no annex named "x"');
    },
  });

  it("logs a refusal with the request id and the annex and instance the request was about", async () => {
    const answer = await handler({ ...event, body: '{"about":true}' }, context("req-1"));
    expect(answer).toMatchObject({ statusCode: 404 });
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: "request refused",
        status: 404,
        code: "NotFound",
        function_request_id: "req-1",
        annexId: "01ANNEX",
        instanceId: "i-1",
      }),
    );
  });

  it("forgets those keys at the next invocation", async () => {
    await handler({ ...event, body: '{"about":true}' }, context("req-2"));
    await handler({ ...event, body: "{}" }, context("req-3"));
    const last = lines.find((line) => line.function_request_id === "req-3");
    expect(last).toMatchObject({ message: "request refused" });
    expect(last).not.toHaveProperty("annexId");
    expect(last).not.toHaveProperty("instanceId");
  });
});
