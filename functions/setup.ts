/** POST /setup: idempotent one-time setup; one entry per component with status and seconds. */

import { parseSetup } from "../shared/domain/requests/setup.ts";
import { apiHandler } from "../shared/http/api-handler.ts";
import { runSetup } from "../shared/use-cases/setup.ts";
import { setupPorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async (request) => {
    const result = await runSetup(setupPorts(), parseSetup(request.body));
    return { status: 200, body: result };
  },
});
