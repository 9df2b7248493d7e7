/** POST /heartbeat: an instance reports idle/busy; the answer carries the lease and continue/drain/stop. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { recordHeartbeat } from "../shared/use-cases/instances/record-heartbeat.ts";
import { instancePorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "none",
  run: async ({ body, headers, now }) => ({
    status: 200,
    body: await recordHeartbeat(instancePorts(), headers.authorization, body, now),
  }),
});
