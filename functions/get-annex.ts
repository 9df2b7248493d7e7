/** GET /annexes/{name}: one annex — state, lease left, live instances, audit trail. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { annexPorts } from "../shared/composition/annexes.ts";
import { getAnnexStatus } from "../shared/use-cases/annexes/annex-status.ts";

export const handler = apiHandler({
  auth: "iam",
  pathParams: ["name"],
  run: async ({ owner, params, now }) => ({
    status: 200,
    body: { annex: await getAnnexStatus(annexPorts, owner, params.name ?? "", now) },
  }),
});
