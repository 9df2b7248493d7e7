/** EC2 API errors: the code, message and HTTP status EC2 answers with. */

/** An error the emulator answers as an EC2 `<Response><Errors>…` document. */
export class Ec2Error extends Error {
  override name = "Ec2Error";

  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** `MissingParameter`: a required parameter is absent. */
export const missingParameter = (name: string) =>
  new Ec2Error("MissingParameter", `The request must contain the parameter ${name}`);

/** `InvalidParameterValue` with EC2's wording for a value it rejects. */
export const invalidValue = (name: string, value: unknown, reason?: string) =>
  new Ec2Error(
    "InvalidParameterValue",
    `Value (${String(value)}) for parameter ${name} is invalid.${reason ? ` ${reason}` : ""}`,
  );

/** `InvalidParameterValue` with a free-form message. */
export const invalidParameter = (message: string) => new Ec2Error("InvalidParameterValue", message);

/** `InvalidParameterCombination`: parameters that cannot be used together. */
export const invalidCombination = (message: string) =>
  new Ec2Error("InvalidParameterCombination", message);

/** `<Prefix>.Malformed`: an id that does not have its resource's shape. */
export const malformedId = (code: string, id: string, prefix: string) =>
  new Ec2Error(code, `Invalid id: "${id}" (expecting "${prefix}-...")`);

/** `InternalError`: EC2's generic 500. */
export const internalError = () =>
  new Ec2Error("InternalError", "An internal error has occurred", 500);

/** `RequestLimitExceeded`: the per-action token bucket is empty (HTTP 503, as EC2). */
export const requestLimitExceeded = () =>
  new Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503);

const unavailable = new Set(["RequestLimitExceeded", "Unavailable", "ServiceUnavailable"]);
const serverErrors = new Set([
  "InternalError",
  "InsufficientInstanceCapacity",
  "InsufficientCapacity",
  "InsufficientAddressCapacity",
  "InsufficientHostCapacity",
  "InsufficientReservedInstanceCapacity",
  "InsufficientVolumeCapacity",
]);

/** The HTTP status EC2 answers a given error code with. */
export const statusOf = (code: string): number =>
  unavailable.has(code) ? 503 : serverErrors.has(code) ? 500 : 400;
