#!/usr/bin/env node
// The `annex` bin: run the TypeScript CLI through tsx's ESM loader.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
