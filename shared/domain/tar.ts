/** A minimal ustar writer and reader (gzip-compressed), enough for the config bundle. */

import { gunzipSync, gzipSync } from "node:zlib";

/** One tar member: a regular file (the default) or a directory (no content). */
export interface TarEntry {
  path: string;
  content?: Buffer | string;
  mode: number;
  type?: "file" | "directory";
}

/** A member as read back from an archive. */
export interface ReadTarEntry {
  path: string;
  content: Buffer;
  mode: number;
  type: "file" | "directory";
  uid: number;
  gid: number;
  mtime: number;
}

const BLOCK = 512;

function writeField(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, "ascii");
}

function octal(value: number, digits: number): string {
  return `${value.toString(8).padStart(digits, "0")}\0`;
}

function checkPath(path: string): void {
  const parts = path.replace(/\/$/, "").split("/");
  const unsafe =
    path.startsWith("/") || parts.some((part) => part === "" || part === "." || part === "..");
  if (unsafe || !/^[\x21-\x7e]+$/.test(path) || Buffer.byteLength(path) > 100) {
    throw new RangeError(
      `tar path ${JSON.stringify(path)} must be relative, plain ASCII, at most 100 bytes`,
    );
  }
}

function header(entry: TarEntry, size: number, mtime: number): Buffer {
  const directory = entry.type === "directory";
  const path = directory && !entry.path.endsWith("/") ? `${entry.path}/` : entry.path;
  checkPath(path);
  const block = Buffer.alloc(BLOCK);
  writeField(block, 0, 100, path);
  writeField(block, 100, 8, octal(entry.mode & 0o7777, 7));
  writeField(block, 108, 8, octal(0, 7));
  writeField(block, 116, 8, octal(0, 7));
  writeField(block, 124, 12, octal(size, 11));
  writeField(block, 136, 12, octal(mtime, 11));
  writeField(block, 148, 8, "        ");
  writeField(block, 156, 1, directory ? "5" : "0");
  writeField(block, 257, 8, "ustar\u000000");
  writeField(block, 265, 32, "root");
  writeField(block, 297, 32, "root");
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeField(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** A gzip-compressed ustar archive of the entries, owned by root, byte-for-byte reproducible. */
export function createTarGz(
  entries: readonly TarEntry[],
  options: { mtime?: number } = {},
): Buffer {
  const mtime = Math.max(0, Math.floor(options.mtime ?? 0));
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === "directory" ? Buffer.alloc(0) : Buffer.from(entry.content ?? "");
    blocks.push(header(entry, content.length, mtime), content);
    const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
    blocks.push(Buffer.alloc(padding));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

function text(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("ascii");
}

function number(block: Buffer, offset: number, length: number): number {
  return Number.parseInt(text(block, offset, length).trim() || "0", 8);
}

/** Reads a gzip-compressed ustar archive (files and directories), checking each header. */
export function readTarGz(archive: Buffer): ReadTarEntry[] {
  const tar = gunzipSync(archive);
  const entries: ReadTarEntry[] = [];
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const expected = number(block, 148, 8);
    const actual = block.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0);
    if (expected !== actual) throw new Error(`tar header checksum mismatch at offset ${offset}`);
    const prefix = text(block, 345, 155);
    const name = text(block, 0, 100);
    const size = number(block, 124, 12);
    const type = text(block, 156, 1) === "5" ? "directory" : "file";
    const start = offset + BLOCK;
    entries.push({
      path: prefix ? `${prefix}/${name}` : name,
      content: Buffer.from(tar.subarray(start, start + size)),
      mode: number(block, 100, 8),
      type,
      uid: number(block, 108, 8),
      gid: number(block, 116, 8),
      mtime: number(block, 136, 12),
    });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
