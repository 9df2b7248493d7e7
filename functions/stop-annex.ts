/** DELETE /annexes/{name}: off — terminate every instance of the annex and end it; idempotent. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { pricedAnnexPorts } from "../shared/composition/priced-annexes.ts";
import { describeAnnex } from "../shared/use-cases/annexes/annex-status.ts";
import { stopAnnex } from "../shared/use-cases/annexes/stop-annex.ts";

export const handler = apiHandler({
  auth: "iam",
  pathParams: ["name"],
  run: async ({ owner, params, now }) => {
    const { annex, terminated } = await stopAnnex(pricedAnnexPorts, owner, params.name ?? "", now);
    const view = await describeAnnex(pricedAnnexPorts, annex, now);
    return { status: 200, body: { annex: view, terminatedInstanceIds: terminated } };
  },
});
