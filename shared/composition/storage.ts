/**
 * The table and the bucket, which every function reads: the repositories and the config store,
 * built once at init from the environment (a missing variable fails the init, not a request).
 */

import { DynamoDbAnnexRepository } from "../adapters/aws/annex-repository.ts";
import { DynamoDbCapacityMemory } from "../adapters/aws/capacity-memory.ts";
import { DynamoDbClaimRepository } from "../adapters/aws/claim-repository.ts";
import { S3ConfigStore } from "../adapters/aws/config-store.ts";
import { dynamoDb } from "../adapters/aws/dynamodb-client.ts";
import { DynamoDbInstanceRepository } from "../adapters/aws/instance-repository.ts";
import { s3 } from "../adapters/aws/s3-client.ts";
import { checkStorage } from "../adapters/aws/storage-health.ts";
import { getStringFromEnv } from "../config.ts";

const table = getStringFromEnv("ANNEX_TABLE");
const bucket = getStringFromEnv("ANNEX_BUCKET");

export const annexRepository = new DynamoDbAnnexRepository(dynamoDb, table);
export const claimRepository = new DynamoDbClaimRepository(dynamoDb, table);
export const instanceRepository = new DynamoDbInstanceRepository(dynamoDb, table);
export const configStore = new S3ConfigStore(s3, bucket);
export const capacityMemory = new DynamoDbCapacityMemory(dynamoDb, table);

/** Proves the function reaches its table and bucket (GET /health). */
export const storageHealth = () => checkStorage({ db: dynamoDb, s3 }, { table, bucket });
