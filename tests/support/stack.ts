/** An in-memory local stack on free ports, and a small client for its HTTP API. */

import { userInfo } from "node:os";
import { ManualClock } from "../../local/clock.ts";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../local/stack.ts";

export const TEST_IMAGE = "ami-0123456789abcdef0";
export const POOL_PASSWORD = "pool-password-that-must-never-leak-7f3a";

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
}

/**
 * Starts the stack with fast EC2 lifecycles and no automatic enforcer tick. The stage's
 * administrators are `alice` (the API client's default caller) and the OS user (the `annex`
 * binary's caller on the loopback), unless `admins` says otherwise.
 */
export async function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    awsPort: 0,
    apiPort: 0,
    inMemory: true,
    tickSeconds: 0,
    admins: ["alice", userInfo().username],
    ...options,
    ec2: { delays: { pendingMs: 0, shuttingDownMs: 0 }, ...options.ec2 },
  });
}

/** Calls the stack's API as `owner` (the local runner's stand-in for the IAM authorizer). */
export function apiClient(stack: Pick<LocalStack, "apiUrl">, owner = "alice") {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-annex-owner": owner },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, text };
  };
}

/** The setup request the tests use. */
export const SETUP = {
  collectorHost: "cm.example.org:9618",
  allowCidr: "198.51.100.0/24",
  poolPassword: POOL_PASSWORD,
  defaults: { instanceType: "m5.large", imageId: TEST_IMAGE },
};

/** A valid create request; override what a test is about. */
export const createRequest = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  clientToken: `token-${name}-${Math.random().toString(36).slice(2)}`,
  count: 1,
  owners: ["alice"],
  ...overrides,
});

export { ManualClock };
