/** The TypeScript control interface: faults, spot interruptions, power-offs, clock, introspection. */

import type { Clock } from "../clock.ts";
import type { Ec2Context } from "./core/context.ts";
import { interrupt, isEnding, powerOff } from "./core/lifecycle.ts";
import type { InstanceRecord } from "./core/state.ts";
import type { Ec2EventBridgeEvent, EventBus } from "./events.ts";
import type { Bucket, FaultSettings, QueuedFailure } from "./faults.ts";
import type { IdentitySigner } from "./identity.ts";
import { statusOf } from "./protocol/errors.ts";

/** A control request the emulator cannot honour (unknown instance, wrong state, …). */
export class Ec2ControlError extends Error {
  override name = "Ec2ControlError";

  constructor(
    message: string,
    readonly status: 404 | 409 | 400,
  ) {
    super(message);
  }
}

/** An instance as the control interface shows it. */
export interface InstanceSummary {
  instanceId: string;
  state: string;
  instanceType: string;
  imageId: string;
  launchTime: string;
  privateIp: string;
  availabilityZone: string;
  lifecycle: "spot" | "on-demand";
  shutdownBehavior: "stop" | "terminate";
  tags: Record<string, string>;
  fleetId?: string;
  interruption?: { noticeTime: string; terminationTime: string };
  /** Decoded user data (UTF-8). */
  userData?: string;
}

export interface FailNextOptions {
  count?: number;
  code?: string;
  status?: number;
  message?: string;
}

export interface Ec2Control {
  readonly clock: Clock;
  /** Applies every transition due at the clock's current time. */
  tick(): void;
  instances(): InstanceSummary[];
  instance(instanceId: string): InstanceSummary | undefined;
  /** A shutdown from inside the instance: terminate or stop, per InstanceInitiatedShutdownBehavior. */
  powerOff(instanceId: string): InstanceSummary;
  /** A spot interruption: the warning now (event + IMDS), termination `warningSeconds` (default 120) later. */
  interruptSpot(instanceId: string, options?: { warningSeconds?: number }): InstanceSummary;
  faults(): FaultSettings & { queued: QueuedFailure[] };
  /** Changes some fault settings (the rest stay); `seed` makes the error rate repeatable. */
  setFaults(changes: Partial<FaultSettings> & { seed?: number }): void;
  /** `true` = EC2's published token buckets; an object sets buckets per action (`*` = others). */
  setThrottling(setting: boolean | Record<string, Bucket>): void;
  /** The next `count` (default 1) calls of `action` (`*` = any) fail with `code` (default RequestLimitExceeded). */
  failNext(action: string, options?: FailNextOptions): void;
  setErrorRate(rate: number, options?: { actions?: string[]; seed?: number }): void;
  /** Remaining launchable instances of a type; `undefined` = unlimited, 0 = InsufficientInstanceCapacity. */
  setCapacity(instanceType: string, available: number | undefined): void;
  setVisibilityDelay(ms: number): void;
  /** Marks a well-formed image id unknown (InvalidAMIID.NotFound) or known again. */
  setImageKnown(imageId: string, known: boolean): void;
  setSpotPrice(instanceType: string, price: number | undefined): void;
  resetFaults(): void;
  /** The most recent events (up to 1000), oldest first. */
  events(): Ec2EventBridgeEvent[];
  /** Signs any text with the identity key, as `instance-identity/signature` would (for forgery tests). */
  signIdentityDocument(document: string): string;
}

const iso = (at: number) => new Date(at).toISOString();

export function summary(i: InstanceRecord): InstanceSummary {
  return {
    instanceId: i.id,
    state: i.state,
    instanceType: i.instanceType,
    imageId: i.imageId,
    launchTime: iso(i.launchTime),
    privateIp: i.privateIp,
    availabilityZone: i.availabilityZone,
    lifecycle: i.lifecycle ?? "on-demand",
    shutdownBehavior: i.shutdownBehavior,
    tags: Object.fromEntries(i.tags.map((t) => [t.Key, t.Value])),
    fleetId: i.fleetId,
    interruption: i.interruption
      ? {
          noticeTime: iso(i.interruption.noticeAt),
          terminationTime: iso(i.interruption.terminateAt),
        }
      : undefined,
    userData:
      i.userData === undefined ? undefined : Buffer.from(i.userData, "base64").toString("utf8"),
  };
}

/** Builds the control interface over an emulator's context, event bus and identity signer. */
export function createControl(ctx: Ec2Context, bus: EventBus, signer: IdentitySigner): Ec2Control {
  const find = (id: string): InstanceRecord => {
    ctx.scheduler.runDue();
    const instance = ctx.state.instances[id];
    if (!instance) throw new Ec2ControlError(`no instance ${id}`, 404);
    return instance;
  };
  const faults = ctx.faults;
  return {
    clock: ctx.clock,
    tick: () => ctx.scheduler.runDue(),
    instances: () => {
      ctx.scheduler.runDue();
      return Object.values(ctx.state.instances).map(summary);
    },
    instance: (id) => {
      ctx.scheduler.runDue();
      const instance = ctx.state.instances[id];
      return instance && summary(instance);
    },
    powerOff: (id) => {
      const instance = find(id);
      if (instance.state !== "running" && instance.state !== "pending")
        throw new Ec2ControlError(`instance ${id} is ${instance.state}, not running`, 409);
      powerOff(ctx, instance, ctx.clock.now());
      return summary(instance);
    },
    interruptSpot: (id, options) => {
      const instance = find(id);
      if (instance.lifecycle !== "spot")
        throw new Ec2ControlError(`instance ${id} is not a spot instance`, 409);
      if (isEnding(instance) || instance.interruption)
        throw new Ec2ControlError(
          `instance ${id} is already ${instance.interruption ? "interrupted" : instance.state}`,
          409,
        );
      interrupt(ctx, instance, ctx.clock.now(), (options?.warningSeconds ?? 120) * 1000);
      return summary(instance);
    },
    faults: () => faults.snapshot(),
    setFaults: (changes) => faults.update(changes),
    setThrottling: (throttling) => faults.update({ throttling }),
    failNext: (action, options = {}) =>
      faults.failNext({
        action,
        count: options.count ?? 1,
        code: options.code ?? "RequestLimitExceeded",
        status: options.status ?? statusOf(options.code ?? "RequestLimitExceeded"),
        message:
          options.message ??
          (options.code === undefined ? "Request limit exceeded." : `Injected ${options.code}`),
      }),
    setErrorRate: (errorRate, options = {}) =>
      faults.update({ errorRate, errorActions: options.actions ?? [], seed: options.seed }),
    setCapacity: (type, available) => {
      const capacity = { ...faults.settings.capacity };
      if (available === undefined) delete capacity[type];
      else capacity[type] = available;
      faults.update({ capacity });
    },
    setVisibilityDelay: (visibilityDelayMs) => faults.update({ visibilityDelayMs }),
    setImageKnown: (imageId, known) => {
      const others = faults.settings.unknownImages.filter((id) => id !== imageId);
      faults.update({ unknownImages: known ? others : [...others, imageId] });
    },
    setSpotPrice: (type, price) => {
      const spotPrices = { ...faults.settings.spotPrices };
      if (price === undefined) delete spotPrices[type];
      else spotPrices[type] = price;
      faults.update({ spotPrices });
    },
    resetFaults: () => faults.reset(),
    events: () => [...bus.recent],
    signIdentityDocument: (document) => signer.sign(document),
  };
}
