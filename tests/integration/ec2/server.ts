/** Test helper: the local AWS endpoint (router + EC2 emulator) on a free port, on a ManualClock. */

import { EC2Client, type EC2ClientConfig } from "@aws-sdk/client-ec2";
import { startLocalAws } from "../../../local/aws/server.ts";
import { ManualClock } from "../../../local/clock.ts";
import type { Ec2Emulator, Ec2EmulatorOptions } from "../../../local/ec2/index.ts";

export interface TestEc2 {
  endpoint: string;
  emulator: Ec2Emulator;
  clock: ManualClock;
  /** An SDK client for the emulator; `maxAttempts: 1` unless `config` says otherwise. */
  client(config?: Partial<EC2ClientConfig>): EC2Client;
  stop(): Promise<void>;
}

export interface TestEc2Options extends Omit<Ec2EmulatorOptions, "clock" | "stateDir"> {
  /** A ManualClock to share (a new one by default). */
  clock?: ManualClock;
  /** Persist under this folder (the EC2 state lands in `<dataDir>/ec2`); in memory by default. */
  dataDir?: string;
}

export const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** A SigV4 `Authorization` header with an ec2 scope, for raw requests through the router. */
export const ec2Authorization =
  "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0";

/** Starts the local AWS endpoint with the EC2 emulator on a ManualClock. */
export async function startEc2(options: TestEc2Options = {}): Promise<TestEc2> {
  const { dataDir, clock = new ManualClock(), ...ec2 } = options;
  const aws = await startLocalAws({
    port: 0,
    inMemory: dataDir === undefined,
    dataDir,
    ec2: { ...ec2, clock },
  });
  const clients: EC2Client[] = [];
  return {
    endpoint: aws.endpoint,
    emulator: aws.ec2,
    clock,
    client(config = {}) {
      const client = new EC2Client({
        endpoint: aws.endpoint,
        region: "us-east-1",
        credentials,
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.destroy();
      await aws.stop();
    },
  };
}

/** Awaits a rejected SDK call and checks EC2's error code (and HTTP status when given). */
export async function ec2Error(
  call: Promise<unknown>,
  code: string,
  status?: number,
): Promise<Error> {
  const error = await call.then(
    () => {
      throw new Error(`expected ${code}, the call succeeded`);
    },
    (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
  );
  if (error.name !== code) throw new Error(`expected ${code}, got ${error.name}: ${error.message}`);
  if (status !== undefined && error.$metadata?.httpStatusCode !== status)
    throw new Error(`expected HTTP ${status} for ${code}, got ${error.$metadata?.httpStatusCode}`);
  return error;
}

/** A base64 string of `text`, as RunInstances wants user data. */
export const base64 = (text: string) => Buffer.from(text).toString("base64");
