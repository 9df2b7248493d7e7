/**
 * The heartbeat function: storage and the heartbeat key kept per container (it never calls EC2,
 * so it does not load the EC2 client).
 */

import { log } from "../adapters/http/logger.ts";
import { HeartbeatKeyCache } from "../use-cases/instances/heartbeat-key.ts";
import type { HeartbeatPorts } from "../use-cases/instances/ports.ts";
import { annexRepository, configStore, instanceRepository } from "./storage.ts";

export const heartbeatPorts: HeartbeatPorts = {
  annexes: annexRepository,
  instances: instanceRepository,
  heartbeatKey: new HeartbeatKeyCache(configStore),
  log,
};
