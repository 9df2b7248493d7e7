import { describe, expect, it } from "vitest";
import {
  checkJsonDepth,
  MAX_JSON_DEPTH,
  parseJsonText,
} from "../../../shared/adapters/http/json-body.ts";
import { MalformedRequestError } from "../../../shared/domain/errors.ts";

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("request bodies", () => {
  it("parses JSON whose keys repeat only in different objects", () => {
    const text = '{"a":{"b":1,"c":[{"b":2}]},"b":{"a":"x,\\"a\\":"},"c":"{\\"a\\":1}"}';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"count":1,"count":3}', "count"],
    ['{"tags":{"a":"1","a":"2"}}', "a"],
    ['{"a":1,"\\u0061":2}', "a"],
    ['[{"x":[1,{"y":1,"y":1}]}]', "y"],
  ])("refuses a key given twice in one object: %s", (text, key) => {
    expect(() => parseJsonText(text)).toThrow(MalformedRequestError);
    expect(() => parseJsonText(text)).toThrow(`duplicate key "${key}"`);
  });

  it("refuses text that is not JSON", () => {
    expect(() => parseJsonText('{"a":')).toThrow("not valid JSON");
  });

  it(`takes ${MAX_JSON_DEPTH} levels and refuses one more, in text and in a parsed payload`, () => {
    expect(() => parseJsonText(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonText(nested(MAX_JSON_DEPTH + 1))).toThrow("nests deeper");
    expect(() => parseJsonText(nested(100_000))).toThrow("nests deeper");
    expect(() => checkJsonDepth(JSON.parse(nested(MAX_JSON_DEPTH)))).not.toThrow();
    expect(() => checkJsonDepth(JSON.parse(nested(100_000)))).toThrow("nests deeper");
  });
});
