/** PATCH /annexes/{name}: reset the lease to now + durationHours (condor_annex -duration). */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { annexPorts } from "../shared/composition/annexes.ts";
import { describeAnnex } from "../shared/use-cases/annexes/annex-status.ts";
import { resetLease } from "../shared/use-cases/annexes/reset-lease.ts";

export const handler = apiHandler({
  auth: "iam",
  pathParams: ["name"],
  run: async ({ owner, params, body, now }) => {
    const annex = await resetLease(annexPorts, owner, params.name ?? "", body, now);
    return { status: 200, body: { annex: await describeAnnex(annexPorts, annex, now) } };
  },
});
