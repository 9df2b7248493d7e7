/** EC2 clients, built once from the standard AWS configuration chain. Only functions that call EC2 import this. */

import { EC2Client } from "@aws-sdk/client-ec2";

/** The API's EC2 client, with the SDK's standard retry (throttling backs off and retries). */
export const ec2 = /* @__PURE__ */ new EC2Client({ retryMode: "standard", maxAttempts: 5 });

/**
 * The enforcer's EC2 client: one retry only. A sweep that meets throttling should give up
 * quickly and leave the work due for the next tick, not spend its time budget backing off.
 */
export const ec2ForSweeps = /* @__PURE__ */ new EC2Client({
  retryMode: "standard",
  maxAttempts: 2,
});
