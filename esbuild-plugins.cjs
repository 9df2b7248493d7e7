/**
 * esbuild plugins of `npm run package` (serverless-esbuild's `plugins` option in serverless.yml).
 *
 * The AWS SDK's schema modules (one per client: client-ec2's is 1.3 MB) key their traits with
 * computed names of string constants: `{ [_xN]: _Ta }` after `const _xN = "xmlName"`. esbuild
 * cannot prove a computed key free of side effects, so it keeps every shape of the service,
 * whether a bundled command reaches it or not (540 KiB of EC2 shapes in each function that uses
 * EC2). Writing each such key as the constant's literal (`{ "xmlName": _Ta }`) builds the same
 * object and lets esbuild drop the shapes no bundled command uses.
 */

const { readFile } = require("node:fs/promises");

const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `[_name]:` → `"literal":` for every top-level `const _name = "literal";` of the module. */
function literalKeys(code) {
  const constants = new Map();
  for (const match of code.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm))
    constants.set(match[1], match[2]);
  return code.replace(/\[(_\w+)\]:/g, (key, name) =>
    constants.has(name) ? `${constants.get(name)}:` : key,
  );
}

module.exports = [
  {
    name: "sdk-schema-literal-keys",
    setup(build) {
      build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
        contents: literalKeys(await readFile(args.path, "utf8")),
        loader: "js",
      }));
    },
  },
];
