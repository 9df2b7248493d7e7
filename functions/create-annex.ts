/** POST /annexes: create an annex; a replayed clientToken returns the same annex (200), never a second launch. */

import { apiHandler } from "../shared/adapters/http/api-handler.ts";
import { httpStatusOf } from "../shared/domain/errors.ts";
import { CapacityError, LaunchRejectedError } from "../shared/domain/launch-errors.ts";
import { presentAnnex } from "../shared/domain/tags.ts";
import { currentInstances } from "../shared/use-cases/annexes/annex-status.ts";
import { createAnnex } from "../shared/use-cases/annexes/create-annex.ts";
import { annexPorts } from "../shared/wiring.ts";

export const handler = apiHandler({
  auth: "iam",
  run: async ({ owner, body, now }) => {
    const ports = annexPorts();
    const { annex, created } = await createAnnex(ports, owner, body, now);
    const view = presentAnnex(annex, await currentInstances(ports, annex), undefined, now);
    if (annex.endReason === "failed") {
      const error =
        annex.failureCode === "InsufficientCapacity"
          ? new CapacityError(annex.failureReason ?? "no capacity")
          : new LaunchRejectedError(annex.failureReason ?? "launch refused");
      return {
        status: httpStatusOf(error),
        body: { error: { code: error.code, message: error.message }, annex: view },
      };
    }
    return { status: created ? 201 : 200, body: { annex: view } };
  },
});
