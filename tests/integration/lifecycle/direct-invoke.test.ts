import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalStack } from "../../../local/stack.ts";
import { poolObjects } from "../../support/sdk.ts";
import { SETUP, startTestStack, TEST_IMAGE } from "../../support/stack.ts";

const owner = "arn:aws:iam::123456789012:user/service";
let stack: LocalStack;
beforeAll(async () => {
  // The service that invokes the functions directly is the stage's administrator.
  stack = await startTestStack({ admins: [owner] });
});
afterAll(() => stack.stop());

const sample = (name: string) =>
  JSON.parse(readFileSync(`events/direct/${name}.json`, "utf8")) as Record<string, unknown>;

describe("direct invocation (lambda:Invoke with a plain JSON payload)", () => {
  it("refuses setup from an invoker naming an owner that is not an administrator, changing nothing", async () => {
    const answer = (await stack.invoke("setup", {
      ...sample("setup"),
      ...SETUP,
      owner: "arn:aws:iam::123456789012:user/mallory",
    })) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe("Forbidden");
    expect(answer.error.message).toContain(owner);
    expect(await poolObjects(stack.awsEndpoint)).toEqual({});
  });

  it("answers plain JSON, not an HTTP response, for the whole lifecycle", async () => {
    const setup = (await stack.invoke("setup", { ...sample("setup"), ...SETUP, owner })) as {
      ok: boolean;
    };
    expect(setup.ok).toBe(true);
    const created = (await stack.invoke("create-annex", {
      ...sample("create-annex"),
      imageId: TEST_IMAGE,
      owner,
    })) as {
      annex: { name: string; state: string; instances: unknown[] };
    };
    expect(created).not.toHaveProperty("statusCode");
    expect(created.annex).toMatchObject({ name: "MyFirstAnnex", state: "provisioning" });
    expect(created.annex.instances).toHaveLength(1);

    const got = (await stack.invoke("get-annex", { ...sample("get-annex"), owner })) as {
      annex: { name: string };
    };
    expect(got.annex.name).toBe("MyFirstAnnex");
    const reset = (await stack.invoke("reset-lease", { ...sample("reset-lease"), owner })) as {
      annex: { leaseRemainingSeconds: number };
    };
    expect(reset.annex.leaseRemainingSeconds).toBeGreaterThan(7000);
    const stopped = (await stack.invoke("stop-annex", { ...sample("stop-annex"), owner })) as {
      annex: { state: string };
    };
    expect(stopped.annex.state).toBe("ended");
  });

  it("scopes direct calls by their owner field", async () => {
    const other = (await stack.invoke("get-annex", {
      ...sample("get-annex"),
      owner: "arn:aws:iam::123456789012:user/other",
    })) as {
      error: { code: string };
    };
    expect(other.error.code).toBe("NotFound");
  });

  it("refuses a direct call that does not name its owner", async () => {
    const answer = (await stack.invoke("list-annexes", {})) as {
      error: { code: string; message: string };
    };
    expect(answer.error).toMatchObject({ code: "MalformedRequest" });
    expect(answer.error.message).toContain("owner");
  });
});
