/**
 * What the security suites share: every log line the process writes and every answer the tests
 * receive, kept so that the last test of each suite can scan them for secrets; and the secrets
 * themselves, read back from where setup stored them (`pool/secrets/…` in the config bucket).
 */

import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { LOCAL_NAMES } from "../../local/stack.ts";
import type { Answer, CallOptions, Harness } from "../reliability/support/harness.ts";
import { s3At } from "../support/sdk.ts";

/** Captures everything written to stdout and stderr until `stop`. */
export function captureOutput() {
  const written: string[] = [];
  const originals = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const capture =
    (original: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      written.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = capture(originals.out) as typeof process.stdout.write;
  process.stderr.write = capture(originals.err) as typeof process.stderr.write;
  return {
    written,
    stop() {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

/** A harness call that also keeps the answer for the scan. */
export function recording(h: Harness, answers: string[]) {
  return async (method: string, path: string, options?: CallOptions): Promise<Answer> => {
    const answer = await h.call(method, path, options);
    answers.push(answer.text);
    return answer;
  };
}

/** Every secret setup stored (the pool password or token, the heartbeat key), as strings to look for. */
export async function storedSecrets(h: Harness): Promise<string[]> {
  const s3 = s3At(h.readEndpoint);
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: LOCAL_NAMES.bucket, Prefix: "pool/secrets/" }),
  );
  const secrets: string[] = [];
  for (const object of listed.Contents ?? []) {
    const got = await s3.send(
      new GetObjectCommand({ Bucket: LOCAL_NAMES.bucket, Key: object.Key }),
    );
    const text = (await got.Body?.transformToString()) ?? "";
    secrets.push(...secretStrings(text));
  }
  s3.destroy();
  return secrets.filter((secret) => secret.length >= 16);
}

/** The text itself, and every string value inside it when it is JSON (and their base64 forms). */
function secretStrings(text: string): string[] {
  const found = [text.trim()];
  try {
    const walk = (value: unknown): void => {
      if (typeof value === "string") found.push(value);
      else if (typeof value === "object" && value !== null) Object.values(value).forEach(walk);
    };
    walk(JSON.parse(text));
  } catch {
    // not JSON: the text is the secret
  }
  return found.flatMap((secret) => [secret, Buffer.from(secret).toString("base64")]);
}

/** The secrets found in `haystack` (none, when all is well), shown by their first characters only. */
export function leaked(haystack: string, secrets: string[]): string[] {
  return secrets.filter((secret) => haystack.includes(secret)).map((s) => `${s.slice(0, 4)}…`);
}
