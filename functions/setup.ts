/** POST /setup: idempotent one-time setup; one entry per component with status and seconds. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { parseSetup } from "../shared/domain/requests/setup.ts";
import { runSetup } from "../shared/use-cases/setup/setup.ts";
import { setupPorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async (request) => {
    const result = await runSetup(setupPorts(), parseSetup(request.body));
    return { status: 200, body: result };
  },
});
