/**
 * The TypeScript control interface: faults, the market (capacity, prices), spot interruptions and
 * rebalance recommendations, power-offs, clock, introspection.
 */

import type { Clock } from "../clock.ts";
import { Ec2ControlError, type MarketControl, marketControl } from "./control-market.ts";
import { type InstanceSummary, summary } from "./control-summary.ts";
import type { Ec2Context } from "./core/context.ts";
import { interrupt, isEnding, powerOff, recommendRebalance } from "./core/lifecycle.ts";
import type { InstanceRecord } from "./core/state.ts";
import type { Ec2EventBridgeEvent, EventBus } from "./events.ts";
import type { Bucket, FaultSettings, QueuedFailure } from "./faults.ts";
import type { IdentitySigner } from "./identity.ts";
import { statusOf } from "./protocol/errors.ts";

export type { InstanceSummary };
export { Ec2ControlError };

/** Fault changes; `spotPrices` (a price per type, all zones) is kept for older callers. */
export type FaultChanges = Partial<FaultSettings> & {
  seed?: number;
  spotPrices?: Record<string, number>;
};

export interface FailNextOptions {
  count?: number;
  code?: string;
  status?: number;
  message?: string;
}

export interface Ec2Control extends MarketControl {
  readonly clock: Clock;
  /** Applies every transition due at the clock's current time. */
  tick(): void;
  instances(): InstanceSummary[];
  instance(instanceId: string): InstanceSummary | undefined;
  /** A shutdown from inside the instance: terminate or stop, per InstanceInitiatedShutdownBehavior. */
  powerOff(instanceId: string): InstanceSummary;
  /** A spot interruption: the warning now (event + IMDS), termination `warningSeconds` (default 120) later. */
  interruptSpot(instanceId: string, options?: { warningSeconds?: number }): InstanceSummary;
  /** EC2's rebalance recommendation for a spot instance: the event and `events/recommendations/rebalance` now. */
  recommendRebalance(instanceId: string): InstanceSummary;
  faults(): FaultSettings & { queued: QueuedFailure[] };
  /** Changes some fault settings (the rest stay); `seed` makes the error rate repeatable. */
  setFaults(changes: FaultChanges): void;
  /** `true` = EC2's published token buckets; an object sets buckets per action (`*` = others). */
  setThrottling(setting: boolean | Record<string, Bucket>): void;
  /** The next `count` (default 1) calls of `action` (`*` = any) fail with `code` (default RequestLimitExceeded). */
  failNext(action: string, options?: FailNextOptions): void;
  setErrorRate(rate: number, options?: { actions?: string[]; seed?: number }): void;
  setVisibilityDelay(ms: number): void;
  /** Marks a well-formed image id unknown (InvalidAMIID.NotFound) or known again. */
  setImageKnown(imageId: string, known: boolean): void;
  /** Clears the faults (capacity limits included); prices and image architectures stay. */
  resetFaults(): void;
  /** The most recent events (up to 1000), oldest first. */
  events(): Ec2EventBridgeEvent[];
  /** Signs any text with the identity key, as `instance-identity/signature` would (for forgery tests). */
  signIdentityDocument(document: string): string;
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
  const market = marketControl(ctx);
  const spotInstance = (id: string) => {
    const instance = find(id);
    if (instance.lifecycle !== "spot")
      throw new Ec2ControlError(`instance ${id} is not a spot instance`, 409);
    return instance;
  };
  return {
    ...market,
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
      const instance = spotInstance(id);
      if (isEnding(instance) || instance.interruption)
        throw new Ec2ControlError(
          `instance ${id} is already ${instance.interruption ? "interrupted" : instance.state}`,
          409,
        );
      interrupt(ctx, instance, ctx.clock.now(), (options?.warningSeconds ?? 120) * 1000);
      return summary(instance);
    },
    recommendRebalance: (id) => {
      const instance = spotInstance(id);
      if (isEnding(instance))
        throw new Ec2ControlError(`instance ${id} is already ${instance.state}`, 409);
      recommendRebalance(ctx, instance, ctx.clock.now());
      return summary(instance);
    },
    faults: () => faults.snapshot(),
    setFaults: ({ spotPrices, ...changes }) => {
      const prices = Object.entries(spotPrices ?? {});
      for (const [type] of prices) market.spotPrices(type); // refuses an unknown type first
      for (const [type, price] of prices) market.setSpotPrice(type, price);
      faults.update(changes);
    },
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
    setVisibilityDelay: (visibilityDelayMs) => faults.update({ visibilityDelayMs }),
    setImageKnown: (imageId, known) => {
      const others = faults.settings.unknownImages.filter((id) => id !== imageId);
      faults.update({ unknownImages: known ? others : [...others, imageId] });
    },
    resetFaults: () => faults.reset(),
    events: () => [...bus.recent],
    signIdentityDocument: (document) => signer.sign(document),
  };
}
