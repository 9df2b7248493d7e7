/** STS as bootstrap uses it: an instance's signed GetCallerIdentity, sent exactly as it was signed. */

/** What STS answered: the signer's ARN, or the error code it refused the signature with. */
export type CallerIdentityAnswer = { arn: string } | { refused: string };

/** Sends signed GetCallerIdentity requests to an STS endpoint the service chose. */
export interface CallerIdentity {
  /**
   * POSTs `body` with exactly `headers` (Host and signature included) to `stsUrl`. Throws
   * StsUnavailableError when STS does not answer, fails or throttles.
   */
  send(
    stsUrl: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<CallerIdentityAnswer>;
}
