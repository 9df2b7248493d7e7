/** GET /health: the API is up and wired to DynamoDB and S3. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { storageHealth } from "../shared/composition/storage.ts";

export const handler = apiHandler({
  auth: "none",
  run: async () => ({ status: 200, body: { ok: true, ...(await storageHealth()) } }),
});
