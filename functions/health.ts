/** GET /health: the API is up and wired to DynamoDB and S3. */

import { checkStorage } from "../shared/adapters/aws/storage-health.ts";
import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { getStringFromEnv } from "../shared/config.ts";

const table = getStringFromEnv("ANNEX_TABLE");
const bucket = getStringFromEnv("ANNEX_BUCKET");

export const handler = apiHandler({
  auth: "none",
  run: async () => ({ status: 200, body: { ok: true, ...(await checkStorage(table, bucket)) } }),
});
