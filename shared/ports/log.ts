/** Structured logging as the core sees it (Powertools Logger in Lambda). Never given secrets. */

/** Which annex and instance the current request is about. */
export interface LogKeys {
  annexId?: string;
  instanceId?: string;
}

/** The log of one invocation. */
export interface Log {
  /** A warning with structured fields. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Every later line of this invocation carries these keys. */
  about(keys: LogKeys): void;
}
