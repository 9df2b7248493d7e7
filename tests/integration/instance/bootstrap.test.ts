import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { scramblePoolPassword } from "../../../shared/domain/condor-config.ts";
import {
  ANNEX_ID,
  BUNDLE_SECRET,
  type FakeCloud,
  HEARTBEAT_TOKEN,
  IMDS_PATH,
  INSTANCE_ID,
  makeBundle,
  POOL_PASSWORD,
  POWER_OFF_PATH,
  ROLE,
  ROLE_CREDENTIALS,
  SERVER_ID,
  startFakeCloud,
} from "./fake-cloud.ts";
import { type Booted, bootInstance, removeTemporaryFolders } from "./helpers.ts";

afterAll(removeTemporaryFolders);

const IMDS_BLOCK = [
  "OUTPUT",
  "-d",
  "169.254.169.254",
  "-m",
  "owner",
  "!",
  "--uid-owner",
  "0",
  "-j",
  "REJECT",
];
const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("bootstrap.sh: a successful boot", () => {
  let cloud: FakeCloud;
  let instance: Booted;
  const condor = (path: string) => join(instance.sandbox.root, "etc/condor", path);

  beforeAll(async () => {
    cloud = await startFakeCloud();
    instance = await bootInstance(cloud);
    return () => cloud.stop();
  });

  it("exits 0 and starts HTCondor without blocking cloud-init", async () => {
    expect(instance.exitCode).toBe(0);
    const systemctl = (await instance.sandbox.calls("systemctl")).map((call) =>
      call.args.join(" "),
    );
    expect(systemctl).toContain("enable --now --no-block condor");
  });

  it("proves who it is: GetCallerIdentity signed with its IMDSv2 role credentials, our server id signed", () => {
    const [token] = cloud.requestsTo(`${IMDS_PATH}/latest/api/token`);
    expect(token?.method).toBe("PUT");
    expect(token?.headers["x-aws-ec2-metadata-token-ttl-seconds"]).toBeDefined();
    const roleRead = cloud.requestsTo(
      `${IMDS_PATH}/latest/meta-data/iam/security-credentials/${ROLE}`,
    );
    expect(roleRead[0]?.headers["x-aws-ec2-metadata-token"]).toBe("imds-session-token");
    const [proof] = cloud.proofs;
    expect(proof).toMatchObject({
      verified: true,
      url: cloud.stsUrl,
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(proof?.headers).toMatchObject({
      host: new URL(cloud.stsUrl).host,
      "x-annex-server-id": SERVER_ID,
      "x-amz-security-token": ROLE_CREDENTIALS.Token,
    });
    expect(proof?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${ROLE_CREDENTIALS.AccessKeyId}/\\d{8}/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-annex-server-id, Signature=[0-9a-f]{64}$`,
      ),
    );
    const signedAt = Date.parse(
      (proof?.headers["x-amz-date"] ?? "").replace(
        /(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/,
        "$1-$2-$3T$4:$5:$6Z",
      ),
    );
    expect(Math.abs(signedAt - Date.now())).toBeLessThan(60_000);
    const [bootstrap] = cloud.requestsTo("/api/bootstrap");
    expect(Object.keys(JSON.parse(bootstrap?.body ?? "{}")).sort()).toEqual([
      "iamHttpRequestMethod",
      "iamRequestBody",
      "iamRequestHeaders",
      "iamRequestUrl",
    ]);
  });

  it("leaves no role credentials or proof behind on disk", async () => {
    const state = join(instance.sandbox.root, "var/lib/cloud-annex");
    const files = await readdir(state);
    for (const file of files) {
      const text = await readFile(join(state, file), "utf8").catch(() => "");
      expect(text).not.toContain(ROLE_CREDENTIALS.SecretAccessKey);
      expect(text).not.toContain(ROLE_CREDENTIALS.Token);
    }
    expect(files).not.toContain("credentials.json");
  });

  it("installs the service's bundle: config readable, the pool password root-only", async () => {
    const config = await readFile(condor("config.d/50-annex.config"), "utf8");
    expect(config).toContain("COLLECTOR_HOST = cm.example.org");
    expect(await mode(condor("config.d/50-annex.config"))).toBe("644");
    expect(await readFile(condor("passwords.d/POOL"))).toEqual(scramblePoolPassword(POOL_PASSWORD));
    expect(await mode(condor("passwords.d"))).toBe("700");
    expect(await mode(condor("passwords.d/POOL"))).toBe("600");
    expect([await mode(condor("annex")), await mode(condor("annex/master-shutdown.sh"))]).toEqual([
      "755",
      "755",
    ]);
  });

  it("blocks non-root access to the metadata service before it asks for its bundle", async () => {
    const [insert] = (await instance.sandbox.calls("iptables")).filter((call) =>
      call.args.includes("-I"),
    );
    expect(insert?.args.filter((arg) => arg !== "-w" && arg !== "-I")).toEqual(IMDS_BLOCK);
    expect(insert?.at).toBeLessThan(cloud.requestsTo("/api/bootstrap")[0]?.at ?? 0);
  });

  it("arms a power-off at the lease end", async () => {
    const [run] = await instance.sandbox.calls("systemd-run");
    const seconds = Number(/--on-active=(\d+)s/.exec(run?.args.join(" ") ?? "")?.[1]);
    expect(Math.abs(seconds - (cloud.lease - nowSeconds()))).toBeLessThanOrEqual(5);
    expect(run?.args.slice(-4, -1)).toEqual([
      join(instance.sandbox.dir, "bin/shutdown"),
      "-P",
      "now",
    ]);
    const timers = await instance.sandbox.timers();
    expect(timers.map((timer) => timer.unit)).toEqual([`cloud-annex-lease-${cloud.lease}`]);
  });

  it("installs and starts the heartbeat timer, and heartbeats once at boot", async () => {
    const units = join(instance.sandbox.root, "etc/systemd/system");
    expect(await readFile(join(units, "cloud-annex-heartbeat.timer"), "utf8")).toContain(
      "OnUnitActiveSec=60s",
    );
    expect(await readFile(join(units, "cloud-annex-heartbeat.service"), "utf8")).toContain(
      "ExecStart=/usr/local/libexec/cloud-annex/annex-agent heartbeat",
    );
    const systemctl = (await instance.sandbox.calls("systemctl")).map((call) =>
      call.args.join(" "),
    );
    expect(systemctl).toContain("enable --now cloud-annex-heartbeat.timer");
    expect(cloud.requestsTo("/api/heartbeat")).toHaveLength(1);
  });

  it("never shows a secret in its log or on a command line", async () => {
    const exposed = `${await instance.sandbox.console()}\n${instance.curlArgv()}\n${JSON.stringify(await instance.sandbox.calls())}`;
    for (const secret of [
      HEARTBEAT_TOKEN,
      BUNDLE_SECRET,
      POOL_PASSWORD,
      "imds-session-token",
      ROLE_CREDENTIALS.SecretAccessKey,
      ROLE_CREDENTIALS.Token,
    ]) {
      expect(exposed).not.toContain(secret);
    }
    expect(instance.curlArgv()).toContain("-K -");
  });
});

describe("bootstrap.sh: heartbeats", () => {
  let cloud: FakeCloud;
  let instance: Booted;

  beforeEach(async () => {
    cloud = await startFakeCloud();
    instance = await bootInstance(cloud);
    expect(instance.exitCode).toBe(0);
  });
  afterEach(() => cloud.stop());

  const lastHeartbeat = () => cloud.requestsTo("/api/heartbeat").at(-1);

  it("reports idle, then busy, with the bearer token", async () => {
    expect(lastHeartbeat()?.headers.authorization).toBe(`Bearer ${HEARTBEAT_TOKEN}`);
    expect(JSON.parse(lastHeartbeat()?.body ?? "{}")).toEqual({
      annexId: ANNEX_ID,
      instanceId: INSTANCE_ID,
      state: "idle",
      slots: { total: 1, claimed: 0 },
    });
    await instance.sandbox.setCondorState("busy");
    expect(await instance.heartbeat()).toBe(0);
    expect(JSON.parse(lastHeartbeat()?.body ?? "{}")).toMatchObject({
      state: "busy",
      slots: { claimed: 1 },
    });
  });

  it("re-arms the power-off when the lease is reset, and only then", async () => {
    const oldUnit = `cloud-annex-lease-${cloud.lease}`;
    const newLease = cloud.lease + 1800;
    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: newLease, instruction: "continue" };
    expect(await instance.heartbeat()).toBe(0);
    expect(await instance.heartbeat()).toBe(0);

    const runs = await instance.sandbox.calls("systemd-run");
    expect(runs.map((run) => run.args[0])).toEqual([
      `--unit=${oldUnit}`,
      `--unit=cloud-annex-lease-${newLease}`,
    ]);
    const seconds = Number(/--on-active=(\d+)s/.exec(runs[1]?.args.join(" ") ?? "")?.[1]);
    expect(Math.abs(seconds - (newLease - nowSeconds()))).toBeLessThanOrEqual(5);
    const stops = (await instance.sandbox.calls("systemctl")).filter(
      (call) => call.args[0] === "stop",
    );
    expect(stops.map((call) => call.args[1])).toEqual([`${oldUnit}.timer`]);
    expect((await instance.sandbox.timers()).map((timer) => timer.unit)).toEqual([
      `cloud-annex-lease-${newLease}`,
    ]);
  });

  it("powers off when the answer says stop", async () => {
    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: cloud.lease, instruction: "stop" };
    expect(await instance.heartbeat()).toBe(0);
    expect((await instance.sandbox.poweredOff())?.reason).toContain("asked this instance to stop");
    expect(cloud.requestsTo(POWER_OFF_PATH)).toHaveLength(1);
  });

  it("drains once when the answer says drain", async () => {
    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: cloud.lease, instruction: "drain" };
    expect(await instance.heartbeat()).toBe(0);
    expect(await instance.heartbeat()).toBe(0);
    const drains = await instance.sandbox.calls("condor_drain");
    expect(drains.map((call) => call.args[0])).toEqual(["-graceful"]);
    expect(await instance.sandbox.poweredOff()).toBeUndefined();
  });

  it("reports the spot warnings its metadata holds: the interruption before a rebalance recommendation", async () => {
    const reported = () => JSON.parse(lastHeartbeat()?.body ?? "{}").interruption;
    expect(reported()).toBeUndefined();
    cloud.metadata["events/recommendations/rebalance"] = '{"noticeTime": "2026-11-25T21:30:00Z"}';
    expect(await instance.heartbeat()).toBe(0);
    expect(reported()).toBe("rebalance-recommendation");
    cloud.metadata["spot/instance-action"] =
      '{"action": "terminate", "time": "2026-11-25T21:32:00Z"}';
    expect(await instance.heartbeat()).toBe(0);
    expect(reported()).toBe("spot-interruption");
    expect(JSON.parse(lastHeartbeat()?.body ?? "{}")).toMatchObject({ state: "idle" });
  });

  it("powers off at once when the answer's lease is already over", async () => {
    cloud.heartbeatAnswer = { leaseExpiresAtEpoch: nowSeconds() - 1, instruction: "continue" };
    expect(await instance.heartbeat()).toBe(0);
    expect((await instance.sandbox.poweredOff())?.reason).toContain("lease has ended");
  });
});

describe("bootstrap.sh: failures", () => {
  let cloud: FakeCloud;

  beforeEach(async () => {
    cloud = await startFakeCloud();
  });
  afterEach(() => cloud.stop());

  it("retries /bootstrap with exponential backoff on 5xx, then joins", async () => {
    cloud.bootstrapFailures = [503, 502, 500];
    const instance = await bootInstance(cloud, {
      ANNEX_BACKOFF_INITIAL_MS: "200",
      ANNEX_BACKOFF_MAX_MS: "5000",
    });
    expect(instance.exitCode).toBe(0);
    const times = cloud.requestsTo("/api/bootstrap").map((request) => request.at);
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(200 * 2 ** i);
    });
    expect(await instance.sandbox.poweredOff()).toBeUndefined();
  });

  it("gives up after the boot grace and powers off", async () => {
    cloud.bootstrapDown = true;
    const started = Date.now();
    const instance = await bootInstance(cloud, { ANNEX_BOOT_GRACE_SECONDS: "2" });
    expect(instance.exitCode).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(cloud.requestsTo("/api/bootstrap").length).toBeGreaterThanOrEqual(3);
    expect((await instance.sandbox.poweredOff())?.reason).toContain("boot grace");
    expect(cloud.requestsTo(POWER_OFF_PATH)).toHaveLength(1);
    expect(await instance.sandbox.calls("systemctl")).toEqual([]);
  });

  it("without an instance role (no instance profile), never bootstraps and powers off after the grace", async () => {
    cloud.noRole = true;
    const instance = await bootInstance(cloud, { ANNEX_BOOT_GRACE_SECONDS: "2" });
    expect(instance.exitCode).toBe(1);
    expect(cloud.requestsTo("/api/bootstrap")).toEqual([]);
    expect(await instance.sandbox.console()).toContain("instance role: HTTP 404");
    expect((await instance.sandbox.poweredOff())?.reason).toContain("boot grace");
  });

  it("installs pool tokens root-only", async () => {
    cloud.bundle = await makeBundle({
      "config.d/50-annex.config": "X = 1\n",
      "tokens.d/annex.token": "eyJ.token\n",
    });
    const instance = await bootInstance(cloud);
    const tokens = join(instance.sandbox.root, "etc/condor/tokens.d");
    expect(await mode(tokens)).toBe("700");
    expect(await mode(join(tokens, "annex.token"))).toBe("600");
  });

  it("refuses a bundle holding a symbolic link, installs nothing and powers off", async () => {
    cloud.bundle = await makeBundle({
      "config.d/50-annex.config": "X = 1\n",
      "passwords.d/POOL": "->/etc/shadow",
    });
    const instance = await bootInstance(cloud);
    expect(instance.exitCode).toBe(1);
    await expect(stat(join(instance.sandbox.root, "etc/condor/config.d"))).rejects.toThrow();
    expect((await instance.sandbox.poweredOff())?.reason).toContain("bootstrap failed");
    expect(await instance.sandbox.console()).toContain("links or special files");
  });
});
