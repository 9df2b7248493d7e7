/** The benches' client of a local stack's HTTP API, as the local user `bench`. */

/** Calls `method path` with a JSON body and answers the JSON it got (as `T`); any status ≥ 300 throws. */
export function benchApi<T = Record<string, unknown>>(apiUrl: string) {
  return async (method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", "x-annex-owner": "bench" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
}
