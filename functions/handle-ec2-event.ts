/** EventBridge `aws.ec2`: instance state changes and spot interruption warnings keep instance records true. */

import { eventHandler } from "../shared/adapters/http/event-handler.ts";
import { logger } from "../shared/adapters/http/logger.ts";
import { endingAnnexes, enforcePorts } from "../shared/composition/enforcement.ts";
import { ec2EventSchema, eventTime, handleEc2Event } from "../shared/enforcement/ec2-event.ts";

export const handler = eventHandler(async (event: unknown) => {
  const parsed = ec2EventSchema.safeParse(event);
  if (!parsed.success) {
    logger.warn("ignored an event this function does not handle", {
      issues: parsed.error.issues.length,
    });
    return { outcome: "ignored" };
  }
  logger.appendKeys({ instanceId: parsed.data.detail["instance-id"] });
  const now = eventTime(parsed.data) ?? Math.floor(Date.now() / 1000);
  const outcome = await handleEc2Event(enforcePorts, parsed.data, now, endingAnnexes);
  logger.info("ec2 event", { detailType: parsed.data["detail-type"], ...outcome });
  return outcome;
});
