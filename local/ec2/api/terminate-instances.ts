/** TerminateInstances: up to 1000 ids, all-or-nothing on unknown ids. */

import {
  type InstanceStateChange,
  TerminateInstances$,
  type TerminateInstancesRequest,
  type TerminateInstancesResult,
} from "@aws-sdk/client-ec2";
import { stateCodes, terminate, USER_INITIATED } from "../core/lifecycle.ts";
import { invalidParameter, missingParameter } from "../protocol/errors.ts";
import { findInstances } from "./lookup.ts";
import { operation } from "./operation.ts";

/** TerminateInstances. */
export const terminateInstances = operation(
  TerminateInstances$,
  (ctx, input: TerminateInstancesRequest, call): TerminateInstancesResult => {
    const ids = input.InstanceIds ?? [];
    if (ids.length === 0) throw missingParameter("InstanceId");
    if (ids.length > 1000)
      throw invalidParameter("The maximum number of instance IDs in a single request is 1000.");
    const changes = findInstances(ctx, ids, call.now).map((instance): InstanceStateChange => {
      const previous = instance.state;
      terminate(ctx, instance, call.now, USER_INITIATED);
      return {
        InstanceId: instance.id,
        PreviousState: { Code: stateCodes[previous], Name: previous },
        CurrentState: { Code: stateCodes[instance.state], Name: instance.state },
      };
    });
    return { TerminatingInstances: changes };
  },
);
