/** The shape of the SDK's service errors, read in one place for every adapter. */

interface SdkError {
  name: string;
  message: string;
  fault: string | undefined;
}

/** What an SDK error says of itself: its name, message and fault (empty where it says nothing). */
export function shapeOf(error: unknown): SdkError {
  const { name, message, $fault } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    $fault?: unknown;
  };
  return {
    name: typeof name === "string" ? name : "",
    message: typeof message === "string" ? message : "",
    fault: typeof $fault === "string" ? $fault : undefined,
  };
}

/** The SDK error's name (e.g. `InvalidPermission.Duplicate`), or "" for anything else. */
export const errorName = (error: unknown): string => shapeOf(error).name;
