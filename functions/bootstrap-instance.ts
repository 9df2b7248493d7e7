/** POST /bootstrap: an instance proves who it is (signed identity document) and receives its config. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { bootstrapPorts } from "../shared/composition/bootstrap.ts";
import { bootstrapInstance } from "../shared/use-cases/instances/bootstrap-instance.ts";

export const handler = apiHandler({
  auth: "none",
  run: async ({ body, now }) => ({
    status: 200,
    body: await bootstrapInstance(bootstrapPorts, body, now),
  }),
});
