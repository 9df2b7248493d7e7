/** GET /setup: check-setup — each component OK or missing, with what to do. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { setupPorts } from "../shared/composition/setup.ts";
import { checkSetup } from "../shared/use-cases/setup/check-setup.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async () => ({ status: 200, body: await checkSetup(setupPorts) }),
});
