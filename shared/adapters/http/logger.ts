/** The structured JSON logger every function shares (Powertools Logger). */

import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cloud-annex",
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as "INFO" | undefined) ?? "INFO",
});
