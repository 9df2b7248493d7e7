/** POST /bootstrap: an instance proves who it is (signed identity document) and receives its config. */

import { apiHandler } from "../shared/http/api-handler.ts";
import { bootstrapInstance } from "../shared/use-cases/bootstrap-instance.ts";
import { instancePorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "none",
  run: async ({ body, now }) => ({
    status: 200,
    body: await bootstrapInstance(instancePorts(), body, now),
  }),
});
