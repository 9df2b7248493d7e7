/**
 * POST /annexes: create an annex; a replayed clientToken returns the same annex (200), never a
 * second launch. With `dryRun: true`, the estimate only (200), nothing written.
 */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { pricedAnnexPorts } from "../shared/composition/priced-annexes.ts";
import { createAndDescribe } from "../shared/use-cases/annexes/create-and-describe.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async ({ owner, body, now }) => {
    const answer = await createAndDescribe(pricedAnnexPorts, owner, body, now);
    if ("dryRun" in answer) return { status: 200, body: answer };
    return { status: answer.created ? 201 : 200, body: { annex: answer.annex } };
  },
});
