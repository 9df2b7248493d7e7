/**
 * The local AWS: one loopback HTTP endpoint that routes each request by the service in its
 * SigV4 credential scope — dynamodb → dynalite, s3 → s3rver, ec2 → the EC2 emulator, sqs →
 * queues in memory, sts → GetCallerIdentity (signatures verified), pricing → the Price List,
 * and the few IAM/Lambda reads check-setup makes. `/_imds/<id>/…` and `/_ec2/…` reach the emulator's instance metadata
 * service and control interface. Its table of services is the one list of what it serves: the
 * router, its UnknownService answer and `npm start`'s banner read it.
 */

import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createEc2Emulator, type Ec2Emulator, type Ec2EmulatorOptions } from "../ec2/index.ts";
import { listOnDemandPrice } from "../ec2/pricing.ts";
import { type ControlPlane, startControlPlane } from "./control-plane.ts";
import { type CredentialScope, credentialScopeOf, ScopeError } from "./credential-scope.ts";
import { startDynamoDb } from "./dynamodb.ts";
import { sendAwsError } from "./errors.ts";
import { handlePricing } from "./pricing.ts";
import { startS3 } from "./s3.ts";
import { startSqs } from "./sqs.ts";
import { handleSts } from "./sts.ts";

export interface LocalAwsOptions {
  /** Port to listen on; 0 picks a free one. Default 4566. */
  port?: number;
  /** Folder for persistent state; ignored when `inMemory`. Default `.annex/aws`. */
  dataDir?: string;
  inMemory?: boolean;
  ec2?: Omit<Ec2EmulatorOptions, "stateDir" | "roleOfInstanceProfile">;
}

export interface LocalAws {
  endpoint: string;
  port: number;
  /** The services it routes, by the service name of the SigV4 scope, in the table's order. */
  services: string[];
  ec2: Ec2Emulator;
  controlPlane: ControlPlane;
  stop(): Promise<void>;
}

/** Starts the local AWS endpoint and the services behind it. */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const dataDir = options.inMemory ? undefined : (options.dataDir ?? ".annex/aws");
  const folder = async (name: string) => {
    if (dataDir === undefined) return undefined;
    const path = join(dataDir, name);
    await mkdir(path, { recursive: true });
    return path;
  };
  const dynamodb = await startDynamoDb(await folder("dynamodb"));
  const s3 = await startS3(await folder("s3"));
  const controlPlane = startControlPlane();
  const ec2 = await createEc2Emulator({
    ...options.ec2,
    stateDir: await folder("ec2"),
    roleOfInstanceProfile: (name) => controlPlane.roleOfInstanceProfile(name),
  });
  const sqs = startSqs(ec2.control.clock, ec2.accountId, ec2.region);
  const sts = {
    accountId: ec2.accountId,
    clock: ec2.control.clock,
    controlPlane,
    roleCredentials: (accessKeyId: string) => ec2.roleCredentials(accessKeyId),
  };
  const pricing = {
    linuxPrice: (type: string, region: string) =>
      region === ec2.region ? ec2.control.onDemandPrice(type) : listOnDemandPrice(type, region),
  };

  // What the endpoint serves, by the service name of the SigV4 scope (the one list).
  const services: Record<string, Service> = {
    dynamodb: { handle: (req, res) => dynamodb.handle(req, res) },
    s3: { handle: (req, res, scope) => s3.handle(req, res, scope) },
    ec2: { handle: (req, res) => ec2.handleApi(req, res) },
    sqs: { handle: (req, res) => sqs.handle(req, res) },
    sts: { serves: "GetCallerIdentity", handle: (req, res) => handleSts(req, res, sts) },
    pricing: { serves: "the Price List", handle: (req, res) => handlePricing(req, res, pricing) },
    iam: {
      serves: "instance profiles",
      handle: (req, res) => controlPlane.handle(req, res, "iam"),
    },
    lambda: {
      serves: "function lookups",
      handle: (req, res) => controlPlane.handle(req, res, "lambda"),
    },
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://local").pathname;
    const imds = /^\/_imds\/([^/]+)(\/.*)?$/.exec(path);
    if (imds) return ec2.handleImds(req, res, imds[1] ?? "", imds[2] ?? "/");
    if (path.startsWith("/_ec2/")) return ec2.handleControl(req, res, path.slice("/_ec2".length));
    const scope = credentialScopeOf(req);
    const service = Object.hasOwn(services, scope.service) ? services[scope.service] : undefined;
    if (service !== undefined) return service.handle(req, res, scope);
    return sendAwsError(
      req,
      res,
      400,
      "UnknownService",
      `The local AWS endpoint does not serve '${scope.service}': it serves ${servedList(services)}.`,
    );
  };

  const server = createServer((req, res) => {
    try {
      Promise.resolve(route(req, res)).catch((error: unknown) => internalError(req, res, error));
    } catch (error) {
      if (error instanceof ScopeError) {
        sendAwsError(
          req,
          res,
          error.code === "MissingAuthenticationToken" ? 403 : 400,
          error.code,
          error.message,
        );
      } else {
        internalError(req, res, error);
      }
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4566, "127.0.0.1", resolve);
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    services: Object.keys(services),
    ec2,
    controlPlane,
    async stop() {
      sqs.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ec2.close();
      await dynamodb.close();
      await s3.close();
    },
  };
}

/** A service of the endpoint: how it answers, and what of the service, when only part of it. */
interface Service {
  serves?: string;
  handle(req: IncomingMessage, res: ServerResponse, scope: CredentialScope): unknown;
}

/** "dynamodb, s3, …, iam (instance profiles) and lambda (function lookups)". */
function servedList(services: Record<string, Service>): string {
  const named = Object.entries(services).map(([name, { serves }]) =>
    serves ? `${name} (${serves})` : name,
  );
  return named.length > 1 ? `${named.slice(0, -1).join(", ")} and ${named.at(-1)}` : named.join("");
}

function internalError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  process.stderr.write(
    `local AWS: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  sendAwsError(
    req,
    res,
    500,
    "InternalError",
    "The local AWS endpoint failed to handle the request.",
  );
}
