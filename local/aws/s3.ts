/** S3 for the local endpoint: s3rver over a folder (a temporary one when in memory). */

import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import type { CredentialScope } from "./credential-scope.ts";
import type { LocalService } from "./dynamodb.ts";

const require = createRequire(import.meta.url);
const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account.js") as {
  DUMMY_ACCOUNT: {
    accessKeys: Map<string, string>;
    createKeyPair(id: string, secret: string): void;
  };
};

export interface LocalS3 extends Omit<LocalService, "handle"> {
  handle(...args: [...Parameters<LocalService["handle"]>, CredentialScope]): void;
}

/** Starts s3rver; `directory` undefined keeps objects in a temporary folder removed on close. */
export async function startS3(directory: string | undefined): Promise<LocalS3> {
  const folder = directory ?? (await mkdtemp(join(tmpdir(), "annex-s3-")));
  const s3rver = new S3rver({ directory: folder, silent: true });
  const callback = s3rver.callback();
  return {
    handle(req, res, scope) {
      // s3rver accepts only access keys it knows and does not verify SigV4 signatures,
      // so any caller's key is made known to it, like any key works against a local AWS.
      if (!DUMMY_ACCOUNT.accessKeys.has(scope.accessKeyId)) {
        DUMMY_ACCOUNT.createKeyPair(scope.accessKeyId, "local");
      }
      void callback(req, res);
    },
    async close() {
      if (directory === undefined) await rm(folder, { recursive: true, force: true });
    },
  };
}
