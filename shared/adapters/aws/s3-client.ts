/** The S3 client, built once from the standard AWS configuration chain; path-style when an endpoint URL is set. */

import { S3Client } from "@aws-sdk/client-s3";

export const s3 = /* @__PURE__ */ new S3Client({
  forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL),
});
