/**
 * The EC2 emulator: the EC2 Query API (API version 2016-11-15), per-instance metadata, EventBridge
 * events and a control interface, for the local AWS endpoint. See `local/ec2/README.md`.
 */

import { mkdir } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Clock, systemClock } from "../clock.ts";
import { handleApiRequest } from "./api/handler.ts";
import { createControl, type Ec2Control } from "./control.ts";
import { handleControlRequest } from "./control-http.ts";
import type { Delays, Ec2Context, Hooks } from "./core/context.ts";
import { findCredentials, forgetCredentials, rescheduleCredentials } from "./core/credentials.ts";
import { onFleetInstance, scheduleFleet, stepFleet } from "./core/fleets.ts";
import { rescheduleAll, stepInstance } from "./core/lifecycle.ts";
import { ensureDefaultNetwork } from "./core/network.ts";
import { loadState, StateSaver } from "./core/persistence.ts";
import { Scheduler } from "./core/scheduler.ts";
import { onSpotFleetInstance, rescheduleSpotFleets, stepSpotFleet } from "./core/spot-fleets.ts";
import type { RoleCredentialRecord } from "./core/state.ts";
import { type Ec2EventBridgeEvent, EventBus } from "./events.ts";
import { Faults } from "./faults.ts";
import { loadSigner } from "./identity.ts";
import { handleImdsRequest, ImdsTokens } from "./imds.ts";

export type { Ec2Control, FailNextOptions, InstanceSummary } from "./control.ts";
export { Ec2ControlError } from "./control.ts";
export type { CapacityPool, Market } from "./core/capacity.ts";
export type { RoleCredentialRecord } from "./core/state.ts";
export type {
  Ec2EventBridgeEvent,
  InstanceStateChangeEvent,
  RebalanceRecommendationEvent,
  SpotInterruptionWarningEvent,
} from "./events.ts";
export type { Bucket, FaultSettings } from "./faults.ts";
export { verifyIdentity } from "./identity.ts";

export interface Ec2EmulatorOptions {
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  /** Default the system clock; with a `ManualClock`, transitions happen when the clock advances. */
  clock?: Clock;
  /** Folder for the saved state and the identity signing key; undefined = in memory, fresh key. */
  stateDir?: string;
  /** Lifecycle delays in clock milliseconds (defaults 2000 / 2000 / 1 hour). */
  delays?: { pendingMs?: number; shuttingDownMs?: number; terminatedVisibleMs?: number };
  /**
   * The role of an instance profile (by name), as the account's IAM knows it; instances with a
   * profile get that role's credentials from their metadata service. Default: no roles.
   */
  roleOfInstanceProfile?: (profileName: string) => string | undefined;
}

export interface Ec2Emulator {
  /** One EC2 Query request (the router chose service `ec2`; the body is unread). */
  handleApi(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** One metadata request of `instanceId`; `path` like `/latest/meta-data/instance-id`. */
  handleImds(
    req: IncomingMessage,
    res: ServerResponse,
    instanceId: string,
    path: string,
  ): Promise<void>;
  /** One control request; `path` is what follows `/_ec2`. */
  handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  readonly control: Ec2Control;
  /** The certificate of the key that signs identity documents (the backend trusts it). */
  readonly identityCertificatePem: string;
  /** Instance-profile credentials by access key id (what STS checks signatures against). */
  roleCredentials(accessKeyId: string): RoleCredentialRecord | undefined;
  /** The emulator's region and account. */
  readonly region: string;
  readonly accountId: string;
  /** Subscribes to EventBridge-shaped events (source `aws.ec2`); returns the unsubscribe function. */
  onEvent(listener: (event: Ec2EventBridgeEvent) => void): () => void;
  /** Saves the state and stops timers. */
  close(): Promise<void>;
}

function delaysOf(options: Ec2EmulatorOptions["delays"] = {}): Delays {
  return {
    pendingMs: options.pendingMs ?? 2000,
    shuttingDownMs: options.shuttingDownMs ?? 2000,
    terminatedVisibleMs: options.terminatedVisibleMs ?? 3_600_000,
  };
}

function runJob(ctx: Ec2Context, key: string, at: number): void {
  const [kind, id = ""] = key.split(/:(.*)/s);
  if (kind === "instance") stepInstance(ctx, id, at);
  else if (kind === "spot-fleet") stepSpotFleet(ctx, id, at);
  else if (kind === "fleet") stepFleet(ctx, id, at);
  else if (kind === "credentials") forgetCredentials(ctx, id, at);
}

/** Creates an emulator, loading saved state from `stateDir` when there is some. */
export async function createEc2Emulator(options: Ec2EmulatorOptions = {}): Promise<Ec2Emulator> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const clock = options.clock ?? systemClock;
  if (options.stateDir) await mkdir(options.stateDir, { recursive: true });
  const state = loadState(options.stateDir);
  ensureDefaultNetwork(state, region, accountId);
  state.priceOrigin ??= clock.now();
  const saver = new StateSaver(options.stateDir, state);
  const hooks: Hooks = { stateChanged: [], interruptionWarning: [], rebalanceRecommendation: [] };
  const scheduler = new Scheduler(clock, (key, at) => runJob(ctx, key, at));
  const ctx: Ec2Context = {
    region,
    accountId,
    clock,
    state,
    scheduler,
    hooks,
    delays: delaysOf(options.delays),
    faults: new Faults(clock),
    roleOfInstanceProfile: options.roleOfInstanceProfile ?? (() => undefined),
    markDirty: () => saver.markDirty(),
  };
  const bus = new EventBus(ctx);
  hooks.stateChanged.push(
    (instance, at) => bus.stateChanged(instance, at),
    (instance, at) => onSpotFleetInstance(ctx, instance, at),
    (instance) => onFleetInstance(ctx, instance),
  );
  hooks.interruptionWarning.push((instance, at) => bus.interruptionWarning(instance, at));
  hooks.rebalanceRecommendation.push((instance, at) => bus.rebalanceRecommendation(instance, at));
  rescheduleAll(ctx);
  rescheduleCredentials(ctx);
  rescheduleSpotFleets(ctx);
  for (const fleet of Object.values(state.fleets)) scheduleFleet(ctx, fleet);
  const signer = await loadSigner(options.stateDir, region);
  const tokens = new ImdsTokens();
  const control = createControl(ctx, bus, signer);
  scheduler.runDue();
  saver.markDirty();
  return {
    handleApi: (req, res) => handleApiRequest(ctx, req, res),
    handleImds: async (req, res, instanceId, path) =>
      handleImdsRequest(ctx, signer, tokens, req, res, instanceId, path),
    handleControl: (req, res, path) =>
      handleControlRequest(control, signer.certificatePem, req, res, path),
    control,
    identityCertificatePem: signer.certificatePem,
    roleCredentials: (accessKeyId) => {
      scheduler.runDue();
      return findCredentials(ctx, accessKeyId);
    },
    region,
    accountId,
    onEvent: (listener) => bus.subscribe(listener),
    close: async () => {
      scheduler.close();
      saver.flush();
    },
  };
}
