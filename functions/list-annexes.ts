/** GET /annexes: the caller's annexes. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { annexPorts } from "../shared/composition/annexes.ts";
import { listAnnexStatus } from "../shared/use-cases/annexes/annex-status.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async ({ owner, now }) => ({
    status: 200,
    body: { annexes: await listAnnexStatus(annexPorts, owner, now) },
  }),
});
