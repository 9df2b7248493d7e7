/** PATCH /annexes/{name}: reset the lease to now + durationHours (condor_annex -duration). */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { describeAnnex } from "../shared/use-cases/annexes/annex-status.ts";
import { resetLease } from "../shared/use-cases/annexes/reset-lease.ts";
import { annexPorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "iam",
  pathParams: ["name"],
  run: async ({ owner, params, body, now }) => {
    const name = params.name ?? "";
    const annex = await resetLease(annexPorts(), owner, name, body, now);
    return { status: 200, body: { annex: await describeAnnex(annexPorts(), annex, now) } };
  },
});
