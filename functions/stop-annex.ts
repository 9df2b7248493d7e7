/** DELETE /annexes/{name}: off — terminate every instance of the annex and end it; idempotent. */

import { apiHandler } from "../shared/http/api-handler.ts";
import { describeAnnex } from "../shared/use-cases/annex-status.ts";
import { stopAnnex } from "../shared/use-cases/stop-annex.ts";
import { annexPorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "iam",
  pathParams: ["name"],
  run: async ({ owner, params, now }) => {
    const name = params.name ?? "";
    const { annex, terminated } = await stopAnnex(annexPorts(), owner, name, now);
    const view = await describeAnnex(annexPorts(), annex, now);
    return { status: 200, body: { annex: view, terminatedInstanceIds: terminated } };
  },
});
