/** Configuration read once from the environment; a missing variable fails at init, not mid-request. */

/** The value of a required environment variable. */
export function getStringFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set`);
  }
  return value;
}

/** The value of an optional environment variable, or the default. */
export function getOptionalFromEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

/** A positive number from the environment, or the default. */
export function getNumberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`environment variable ${name} must be a non-negative number, not '${raw}'`);
  }
  return value;
}
