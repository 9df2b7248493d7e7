/** The structured JSON logger every function shares (Powertools Logger), and the core's Log port over it. */

import { Logger } from "@aws-lambda-powertools/logger";
import type { Log } from "../../ports/log.ts";

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cloud-annex",
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as "INFO" | undefined) ?? "INFO",
});

/** Warnings, and the annex and instance ids as keys of the invocation's later lines (reset after it). */
export const log: Log = {
  warn: (message, fields) => logger.warn(message, fields ?? {}),
  about: (keys) => logger.appendKeys({ ...keys }),
};
