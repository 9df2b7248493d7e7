/** Simulated instances for the local stack: the real bootstrap script, run in sandboxes. */

export type { InstancePhase, SimulatedInstance } from "./instance.ts";
export type { CondorState, Sandbox, SandboxTimer, StubCall } from "./sandbox.ts";
export { createSandbox } from "./sandbox.ts";
export type { InstanceSimulator, InstanceSimulatorOptions } from "./simulator.ts";
export { startInstanceSimulator } from "./simulator.ts";
