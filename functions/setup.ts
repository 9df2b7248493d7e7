/** POST /setup: idempotent one-time setup; one entry per component with status and seconds. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { setupPorts } from "../shared/composition/setup.ts";
import { setupFromBody } from "../shared/use-cases/setup/setup.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async ({ owner, body }) => ({
    status: 200,
    body: await setupFromBody(setupPorts, owner, body),
  }),
});
