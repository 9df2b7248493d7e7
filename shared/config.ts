/** Configuration read once from the environment; a missing variable fails at init, not mid-request. */

/** The value of a required environment variable. */
export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

/** A non-negative number from the environment, or the default. */
export function getNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative number, not '${raw}'`);
  }
  return value;
}

/** The value of an optional environment variable; undefined when unset or empty. */
export function getOptionalStringFromEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}
