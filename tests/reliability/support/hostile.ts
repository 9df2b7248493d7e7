/**
 * fast-check generators of hostile input: for each field of a request, values that field must
 * refuse (wrong types, out of range, unicode, control characters, configuration injection), plus
 * raw bodies that are not JSON and path segments with bad percent-encodings.
 */

import fc from "fast-check";

/** Any code point, lone surrogates and control characters included. */
const anyText = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: "binary", ...constraints });

/** Values of every JSON type except the ones given. */
const notA = (...kinds: Array<"string" | "number" | "boolean" | "array" | "object" | "null">) =>
  fc.oneof(
    ...[
      kinds.includes("string") ? undefined : anyText({ maxLength: 20 }),
      kinds.includes("number") ? undefined : fc.double({ noNaN: true }),
      kinds.includes("boolean") ? undefined : fc.boolean(),
      kinds.includes("array") ? undefined : fc.array(fc.integer(), { maxLength: 3 }),
      kinds.includes("object")
        ? undefined
        : fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
      kinds.includes("null") ? undefined : fc.constant(null),
    ].filter((a): a is fc.Arbitrary<never> => a !== undefined),
  );

const injections = fc.constantFrom(
  'x"\nSTART = True\n#',
  "$(COLLECTOR_HOST)",
  "x\r\nSEC_DEFAULT_AUTHENTICATION = NEVER",
  "a\u0000b",
  "a\u2028b",
  "\u202egnp.exe",
  "'; DROP TABLE annexes; --",
  "../../pool/secrets/password",
  "%00",
);

/** Names the create request must refuse. */
export const badName = fc.oneof(
  anyText({ minLength: 33, maxLength: 2000 }),
  anyText({ maxLength: 32 }).filter((s) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)),
  injections,
  notA("string"),
);

const badCount = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 51 }),
  fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
  fc.constantFrom(1e308, -0.5, 50.000001),
  notA("number"),
);

const badHours = fc.oneof(
  fc.double({ max: 0, noNaN: true }),
  fc.double({ min: 24.001, noNaN: true }),
  notA("number"),
);

const badOwner = fc.oneof(
  anyText({ maxLength: 70 }).filter((s) => !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(s)),
  injections,
);

const badOwners = fc.oneof(
  fc.constant([]),
  fc.array(badOwner, { minLength: 1, maxLength: 3 }),
  fc.array(fc.constant("alice"), { minLength: 51, maxLength: 60 }),
  notA("array"),
);

const badTags = fc.oneof(
  fc.dictionary(
    fc.constantFrom("aws:Name", "annex:id", "AWS:x", "Annex:lease-expires"),
    fc.string(),
    {
      minKeys: 1,
    },
  ),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), injections, { minKeys: 1, maxKeys: 3 }),
  fc.dictionary(injections, fc.constant("v"), { minKeys: 1, maxKeys: 2 }),
  fc.dictionary(fc.string({ minLength: 1 }), fc.string({ minLength: 257, maxLength: 300 }), {
    minKeys: 1,
    maxKeys: 1,
  }),
  fc.dictionary(fc.string(), notA("string"), { minKeys: 1, maxKeys: 2 }),
  notA("object"),
);

const badToken = fc.oneof(
  fc.string({ minLength: 65, maxLength: 200 }),
  fc.constant(""),
  anyText({ minLength: 1, maxLength: 20 }).filter((s) => !/^[\x20-\x7e]{1,64}$/.test(s)),
  notA("string"),
);

const badImage = fc.oneof(
  anyText({ maxLength: 30 }).filter((s) => !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(s)),
  notA("string"),
);

const badType = fc.oneof(
  anyText({ maxLength: 70 }).filter(
    (s) => !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(s) || s.length > 64,
  ),
  notA("string"),
);

const badKind = fc.oneof(
  anyText({ maxLength: 12 }).filter((s) => !["on-demand", "spot-fleet", "fleet"].includes(s)),
  notA("string"),
);

/** An unknown field (any name the create request does not have) with any value. */
export const CREATE_FIELDS = [
  "name",
  "clientToken",
  "kind",
  "count",
  "slots",
  "instanceType",
  "imageId",
  "durationHours",
  "idleHours",
  "owners",
  "noOwner",
  "tags",
  "userData",
  "defaultUserData",
  "securityGroupIds",
  "keyName",
  "spotFleetConfig",
  "fleet",
];

/** Invalid values for the fields of POST /annexes, by field. */
export const badCreateFields: Record<string, fc.Arbitrary<unknown>> = {
  name: badName,
  clientToken: badToken,
  kind: badKind,
  count: badCount,
  durationHours: badHours,
  idleHours: badHours,
  owners: badOwners,
  tags: badTags,
  imageId: badImage,
  instanceType: badType,
  userData: notA("string"),
  noOwner: notA("boolean"),
  securityGroupIds: fc.oneof(fc.array(anyText({ maxLength: 12 }), { minLength: 1 }), notA("array")),
};

/** A non-empty set of invalid fields (and maybe unknown ones) to lay over a valid request. */
export const hostileOverlay = fc
  .tuple(
    fc.record(badCreateFields, { requiredKeys: [] }),
    fc.dictionary(
      anyText({ maxLength: 16 }).filter((k) => !CREATE_FIELDS.includes(k)),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 2 },
    ),
  )
  .map(([bad, unknown]) => Object.fromEntries([...Object.entries(bad), ...Object.entries(unknown)]))
  .filter((overlay) => Object.keys(overlay).length > 0);

/** Invalid values for the fields of POST /setup. */
export const hostileSetup = fc
  .record(
    {
      collectorHost: fc.oneof(
        injections,
        anyText({ minLength: 261, maxLength: 300 }),
        notA("string"),
      ),
      allowCidr: fc.oneof(
        fc.constantFrom("10.0.0.1/8", "300.0.0.0/8", "10.0.0.0/33", "::/0x", "", "10.0.0.0"),
        notA("string"),
      ),
      poolPassword: fc.oneof(
        fc.constantFrom("", "a\nb", "a\u0000b"),
        fc.string({ minLength: 1025, maxLength: 1100 }),
        notA("string"),
      ),
      poolToken: fc.oneof(fc.constantFrom("not-a-jwt", "a.b", "a.b.c\n"), notA("string")),
      defaults: fc.oneof(
        fc.record({ imageId: badImage }),
        fc.record({ instanceType: badType }),
        notA("object"),
      ),
      limits: fc.oneof(
        fc.record({ maxCount: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 10001 })) }),
        fc.record({ maxDurationHours: fc.oneof(fc.double({ max: 0 }), fc.double({ min: 8761 })) }),
        notA("object"),
      ),
      vpcId: fc.oneof(anyText({ maxLength: 20 }), notA("string")),
    },
    { requiredKeys: [] },
  )
  .filter((overlay) => Object.keys(overlay).length > 0);

/** Bodies that are not JSON at all: random text, or JSON cut or spliced. */
export const brokenJson = fc.oneof(
  anyText({ minLength: 1, maxLength: 200 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
  fc
    .tuple(fc.json({ maxDepth: 3 }), fc.nat(), anyText({ minLength: 1, maxLength: 3 }))
    .map(([json, at, splice]) => json.slice(0, at % (json.length + 1)) + splice)
    .filter((text) => {
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed !== "object" || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    }),
);

/** A path segment as a client could send it: percent-encoded text with bad escapes mixed in. */
export const hostileSegment = fc
  .array(
    fc.oneof(
      anyText({ minLength: 1, maxLength: 6 }).map((s) =>
        encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "x")),
      ),
      fc.constantFrom(
        "%",
        "%Z",
        "%ZZ",
        "%E0%A4%A",
        "%C0%AF",
        "%ED%A0%80",
        "%FF",
        "%00",
        "%2F",
        "%25",
        ".",
        "..",
      ),
      fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(""));
