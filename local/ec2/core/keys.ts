/** Key material for CreateKeyPair: a private key, its OpenSSH public key and EC2's fingerprint. */

import { createHash, generateKeyPairSync, type KeyObject } from "node:crypto";

export interface GeneratedKey {
  privateKeyPem: string;
  publicKeyOpenSsh: string;
  fingerprint: string;
}

const sshString = (data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
};

/** An SSH mpint: big-endian, with a leading zero byte when the high bit is set. */
const sshMpint = (data: Buffer) =>
  sshString(
    data[0] !== undefined && data[0] & 0x80 ? Buffer.concat([Buffer.from([0]), data]) : data,
  );

function openSshPublicKey(publicKey: KeyObject, type: "rsa" | "ed25519"): string {
  const jwk = publicKey.export({ format: "jwk" });
  const blob =
    type === "rsa"
      ? Buffer.concat([
          sshString(Buffer.from("ssh-rsa")),
          sshMpint(Buffer.from(jwk.e ?? "", "base64url")),
          sshMpint(Buffer.from(jwk.n ?? "", "base64url")),
        ])
      : Buffer.concat([
          sshString(Buffer.from("ssh-ed25519")),
          sshString(Buffer.from(jwk.x ?? "", "base64url")),
        ]);
  return `ssh-${type} ${blob.toString("base64")}`;
}

/**
 * A new key pair. RSA keys come as PKCS#1 PEM with EC2's fingerprint for keys it creates (SHA-1 of
 * the PKCS#8 DER private key, colon-separated); ed25519 keys as PKCS#8 PEM with a base64 SHA-256
 * of the public key blob.
 */
export function generateKey(type: "rsa" | "ed25519"): GeneratedKey {
  if (type === "rsa") {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const der = privateKey.export({ format: "der", type: "pkcs8" });
    const fingerprint = createHash("sha1").update(der).digest("hex").match(/../g)?.join(":") ?? "";
    return {
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs1" }).toString(),
      publicKeyOpenSsh: openSshPublicKey(publicKey, "rsa"),
      fingerprint,
    };
  }
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const openSsh = openSshPublicKey(publicKey, "ed25519");
  const blob = Buffer.from(openSsh.split(" ")[1] ?? "", "base64");
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyOpenSsh: openSsh,
    fingerprint: createHash("sha256").update(blob).digest("base64"),
  };
}
