/** The SQS client, built once from the standard AWS configuration chain. Only the enforcer imports it. */

import { SQSClient } from "@aws-sdk/client-sqs";

export const sqs = /* @__PURE__ */ new SQSClient({});
