/** Key pairs: CreateKeyPair, DescribeKeyPairs, DeleteKeyPair. */

import {
  CreateKeyPair$,
  type CreateKeyPairRequest,
  DeleteKeyPair$,
  type DeleteKeyPairRequest,
  type DeleteKeyPairResult,
  DescribeKeyPairs$,
  type DescribeKeyPairsRequest,
  type DescribeKeyPairsResult,
  type KeyPair,
} from "@aws-sdk/client-ec2";
import type { Ec2Context } from "../core/context.ts";
import { applyFilters } from "../core/filters.ts";
import { newId } from "../core/ids.ts";
import { generateKey } from "../core/keys.ts";
import type { KeyPairRecord } from "../core/state.ts";
import { sdkTags, tagSpecifications } from "../core/tags.ts";
import { Ec2Error, invalidValue, missingParameter } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

const keyPairs = (ctx: Ec2Context) => Object.values(ctx.state.keyPairs);

const notFound = (what: string) =>
  new Ec2Error("InvalidKeyPair.NotFound", `The key pair '${what}' does not exist`);

/** CreateKeyPair. */
export const createKeyPair = operation(
  CreateKeyPair$,
  (ctx, input: CreateKeyPairRequest, call): KeyPair => {
    const name = input.KeyName;
    if (name === undefined) throw missingParameter("KeyName");
    if (name.length === 0 || name.length > 255 || !/^[\x20-\x7e]+$/.test(name))
      throw invalidValue("KeyName", name);
    const type = input.KeyType ?? "rsa";
    if (type !== "rsa" && type !== "ed25519") throw invalidValue("KeyType", type);
    if (input.KeyFormat !== undefined && input.KeyFormat !== "pem")
      throw invalidValue("KeyFormat", input.KeyFormat);
    if (keyPairs(ctx).some((k) => k.name === name))
      throw new Ec2Error("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
    const tags = tagSpecifications(input.TagSpecifications, ["key-pair"]).get("key-pair") ?? [];
    const key = generateKey(type);
    const record: KeyPairRecord = {
      id: newId("key"),
      name,
      type,
      fingerprint: key.fingerprint,
      publicKey: key.publicKeyOpenSsh,
      createdAt: call.now,
      tags,
    };
    ctx.state.keyPairs[record.id] = record;
    ctx.markDirty();
    return {
      KeyName: name,
      KeyPairId: record.id,
      KeyFingerprint: key.fingerprint,
      KeyMaterial: key.privateKeyPem,
      Tags: sdkTags(tags),
    };
  },
);

/** DescribeKeyPairs. */
export const describeKeyPairs = operation(
  DescribeKeyPairs$,
  (ctx, input: DescribeKeyPairsRequest): DescribeKeyPairsResult => {
    const all = keyPairs(ctx);
    const byName = (input.KeyNames ?? []).map(
      (n) => all.find((k) => k.name === n) ?? throwing(notFound(n)),
    );
    const byId = (input.KeyPairIds ?? []).map(
      (id) => all.find((k) => k.id === id) ?? throwing(notFound(id)),
    );
    const named = [...new Set([...byName, ...byId])];
    const matching = applyFilters(
      named.length > 0 ? named : all,
      input.Filters,
      {
        "key-name": (k) => k.name,
        "key-pair-id": (k) => k.id,
        fingerprint: (k) => k.fingerprint,
        "key-type": (k) => k.type,
      },
      (k) => k.tags,
    );
    return {
      KeyPairs: matching.map((k) => ({
        KeyPairId: k.id,
        KeyName: k.name,
        KeyFingerprint: k.fingerprint,
        KeyType: k.type,
        Tags: sdkTags(k.tags),
        CreateTime: new Date(k.createdAt),
        PublicKey: input.IncludePublicKey ? k.publicKey : undefined,
      })),
    };
  },
);

function throwing(error: Error): never {
  throw error;
}

/** DeleteKeyPair: deleting a name that does not exist succeeds, as in EC2. */
export const deleteKeyPair = operation(
  DeleteKeyPair$,
  (ctx, input: DeleteKeyPairRequest): DeleteKeyPairResult => {
    if (input.KeyName === undefined && input.KeyPairId === undefined)
      throw missingParameter("KeyName");
    const key = keyPairs(ctx).find((k) =>
      input.KeyPairId !== undefined ? k.id === input.KeyPairId : k.name === input.KeyName,
    );
    if (!key) {
      if (input.KeyPairId !== undefined) throw notFound(input.KeyPairId);
      return { Return: true };
    }
    delete ctx.state.keyPairs[key.id];
    ctx.markDirty();
    return { Return: true, KeyPairId: key.id };
  },
);
