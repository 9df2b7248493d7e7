/** The heartbeat function: storage only (it never calls EC2, so it does not load the EC2 client). */

import { log } from "../adapters/http/logger.ts";
import type { HeartbeatPorts } from "../use-cases/instances/ports.ts";
import { annexRepository, configStore, instanceRepository } from "./storage.ts";

export const heartbeatPorts: HeartbeatPorts = {
  annexes: annexRepository,
  instances: instanceRepository,
  store: configStore,
  log,
};
