/** POST /heartbeat: an instance reports idle/busy; the answer carries the lease and continue/drain/stop. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { heartbeatPorts } from "../shared/composition/heartbeat.ts";
import { recordHeartbeat } from "../shared/use-cases/instances/record-heartbeat.ts";

export const handler = apiHandler({
  auth: "none",
  run: async ({ body, headers, now }) => ({
    status: 200,
    body: await recordHeartbeat(heartbeatPorts, headers.authorization, body, now),
  }),
});
