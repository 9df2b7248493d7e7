/**
 * What each function may call, read from its code path (functions/*.ts → use-cases → adapters):
 * its role must grant exactly this. A new function, or a new call, extends this table.
 *
 * An entry is an IAM action, followed for DynamoDB and S3 by what it acts on: nothing for the
 * table or the bucket itself, `index/*` for the table's indexes, or a key (pattern) in the bucket.
 */

export const MAY_CALL: Record<string, readonly string[]> = {
  health: ["dynamodb:DescribeTable", "s3:ListBucket"],
  setup: [
    "dynamodb:DescribeTable",
    "s3:ListBucket",
    "s3:GetObject pool/*",
    "s3:PutObject pool/*",
    "lambda:GetFunction",
    "iam:GetInstanceProfile",
    "ec2:DescribeVpcs",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeKeyPairs",
    "ec2:CreateSecurityGroup",
    "ec2:CreateTags",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:CreateKeyPair",
  ],
  "check-setup": [
    "dynamodb:DescribeTable",
    "s3:ListBucket",
    "s3:GetObject pool/*",
    "lambda:GetFunction",
    "iam:GetInstanceProfile",
    "ec2:DescribeSecurityGroups",
  ],
  "create-annex": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "s3:ListBucket",
    "s3:GetObject pool/settings.json",
    "s3:GetObject pool/secrets/pool.json",
    "s3:PutObject annexes/*",
    "s3:DeleteObject annexes/*",
    "ec2:DescribeInstances",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
    "ec2:RunInstances",
    "ec2:RequestSpotFleet",
    "ec2:CreateTags",
    "ec2:TerminateInstances",
    "ec2:CancelSpotFleetRequests",
    "iam:PassRole",
    "iam:CreateServiceLinkedRole",
  ],
  "list-annexes": ["dynamodb:Query", "dynamodb:Query index/*", "ec2:DescribeInstances"],
  "get-annex": [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Query index/*",
    "ec2:DescribeInstances",
  ],
  "reset-lease": [
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Query index/*",
    "dynamodb:PutItem",
    "s3:ListBucket",
    "s3:GetObject pool/settings.json",
    "ec2:DescribeInstances",
    "ec2:CreateTags",
  ],
  "stop-annex": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Query index/*",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "s3:DeleteObject annexes/*",
    "ec2:DescribeInstances",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
    "ec2:TerminateInstances",
    "ec2:CancelSpotFleetRequests",
  ],
  "bootstrap-instance": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "s3:ListBucket",
    "s3:GetObject pool/secrets/heartbeat-key",
    "s3:GetObject annexes/*",
    "ec2:DescribeInstances",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
  ],
  "record-heartbeat": [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "s3:ListBucket",
    "s3:GetObject pool/secrets/heartbeat-key",
  ],
  "enforce-leases": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Query index/*",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "s3:DeleteObject annexes/*",
    "ec2:DescribeInstances",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
    "ec2:TerminateInstances",
    "ec2:CreateTags",
    "ec2:CancelSpotFleetRequests",
  ],
  "handle-ec2-event": [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
    "s3:DeleteObject annexes/*",
    "ec2:DescribeInstances",
    "pricing:GetProducts",
    "ec2:DescribeSpotPriceHistory",
    "ec2:TerminateInstances",
    "ec2:CancelSpotFleetRequests",
  ],
};

/** The routes only the stage's administrators may call: the ones that change the pool. */
export const ADMIN_ROUTES: readonly string[] = ["POST /setup"];

/**
 * The SDK operations that make a permission necessary, where they are not the action's own name:
 * every permission a role grants must be needed by an operation bundled in that function.
 */
export const NEEDED_BY: Record<string, readonly string[]> = {
  // S3 answers a missing key with 403 instead of 404 to a caller without ListBucket.
  "s3:ListBucket": ["s3:HeadBucket", "s3:GetObject"],
  "ec2:CreateTags": [
    "ec2:CreateTags",
    "ec2:RunInstances",
    "ec2:RequestSpotFleet",
    "ec2:CreateSecurityGroup",
  ],
  "iam:PassRole": ["ec2:RunInstances", "ec2:RequestSpotFleet"],
  "iam:CreateServiceLinkedRole": ["ec2:RequestSpotFleet"],
  // A spot fleet launches its instances in the caller's name.
  "ec2:RunInstances": ["ec2:RunInstances", "ec2:RequestSpotFleet"],
};
