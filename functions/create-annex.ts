/** POST /annexes: create an annex; a replayed clientToken returns the same annex (200), never a second launch. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { annexPorts } from "../shared/composition/annexes.ts";
import { createAndDescribe } from "../shared/use-cases/annexes/create-and-describe.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async ({ owner, body, now }) => {
    const { annex, created } = await createAndDescribe(annexPorts, owner, body, now);
    return { status: created ? 201 : 200, body: { annex } };
  },
});
