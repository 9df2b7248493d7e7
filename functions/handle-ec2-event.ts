/** EventBridge `aws.ec2`: instance state changes and spot interruption warnings keep instance records true. */

import { logger } from "../shared/adapters/http/logger.ts";
import { ec2EventSchema, eventTime, handleEc2Event } from "../shared/enforcement/ec2-event.ts";
import { enforcePorts } from "../shared/wiring.ts";

export const handler = async (event: unknown) => {
  const parsed = ec2EventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn("ignored an event this function does not handle", {
      issues: parsed.error.issues.length,
    });
    return { outcome: "ignored" };
  }
  const now = eventTime(parsed.data) ?? Math.floor(Date.now() / 1000);
  const outcome = await handleEc2Event(enforcePorts(), parsed.data, now);
  logger.info("ec2 event", { detailType: parsed.data["detail-type"], ...outcome });
  return outcome;
};
