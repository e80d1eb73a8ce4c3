/**
 * SSRF (issue 18): which base URLs may receive a partner's API key, at save time (integrations.connect /
 * update) and again before every request, which never follows a redirect.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { TRPCError } from "@trpc/server";
import { insertIntegration, integration, updateSyncSettings } from "@uas/db";
import { createCallerFactory } from "../src/trpc/init";
import type { TrpcContext } from "../src/trpc/context";
import { DEFAULT_TUNING } from "../src/context";
import { appRouter } from "../src/trpc/app-router";
import { parseConfig, partnerUrlPolicyFromConfig, secretBoxOf } from "../src/env";
import { partnerUrlProblem, policedFetch, PRODUCTION_URL_POLICY } from "../src/sources/partner-url";
import { ConnectorError, partnerApiConnector } from "@uas/connectors";

/** A GET through the partner contract's connector with the Worker's URL policy around `fetch`. */
const getJson = (url: string, options: { fetch: typeof fetch; retries?: number; minRetryDelayMs?: number }) =>
  partnerApiConnector.listPage(
    {
      baseUrl: url.replace(/\/members$/, ""),
      credentials: { apiKey: "k" },
      fetch: policedFetch(PRODUCTION_URL_POLICY, options.fetch),
      tuning: { retries: options.retries, minRetryDelayMs: options.minRetryDelayMs },
    },
    { locationIds: null, cursor: null },
  );
const SourceHttpError = ConnectorError;
import { createTenant, recordingQueue, testDb, type Tenant } from "./support";
import { buildInputs, isIdLike, listProcedures } from "./zod-inputs";

const DEVELOPMENT = { allowLoopback: true };

const REFUSED_IN_PRODUCTION: Record<string, string[]> = {
  "plain http": ["http://partner.example.com/api", "http://93.184.216.34/"],
  loopback: [
    "https://127.0.0.1/",
    "https://127.8.9.10:8443/",
    "https://127.1/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://[::1]/",
    "https://localhost/",
    "https://api.localhost/",
    "https://LOCALHOST./",
  ],
  private: ["https://10.0.0.1/", "https://172.16.5.4/", "https://172.31.255.255/", "https://192.168.1.1/"],
  "link-local": ["https://169.254.169.254/latest/meta-data/", "https://[fe80::1]/"],
  "this network (0.0.0.0/8)": ["https://0.0.0.0/", "https://0.1.2.3/"],
  "carrier-grade NAT (100.64/10)": ["https://100.64.0.1/", "https://100.127.255.254/"],
  "unique local (fc00::/7)": ["https://[fc00::1]/", "https://[fd12:3456::1]/"],
  "IPv4-mapped IPv6": ["https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[::ffff:a9fe:a9fe]/"],
  "IPv6 carrying IPv4 (NAT64, 6to4, Teredo, IPv4-compatible)": [
    "https://[64:ff9b::a00:1]/",
    "https://[2002:7f00:1::]/",
    "https://[2001::1]/",
    "https://[::7f00:1]/",
  ],
  "multicast, broadcast, reserved, documentation": [
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://240.0.0.1/",
    "https://192.0.2.10/",
    "https://[2001:db8::1]/",
    "https://[ff02::1]/",
  ],
  "private names": [
    "https://metadata.google.internal/",
    "https://printer.local/",
    "https://nas.home.arpa/",
    "https://intranet/",
    "https://partner/",
    "https://db.corp/",
  ],
  "credentials in the URL": ["https://user:pass@partner.example.com/"],
  "other schemes": ["ftp://partner.example.com/", "file:///etc/passwd", "not a url"],
};

describe("partnerUrlProblem", () => {
  it("accepts https to a public host name or address in production", () => {
    for (const url of [
      "https://partner.example.com/api",
      "https://api.partner.com:8443/v1/",
      "https://93.184.216.34/",
      "https://[2606:4700:4700::1111]/",
    ]) {
      expect(partnerUrlProblem(url, PRODUCTION_URL_POLICY), url).toBeNull();
    }
  });

  for (const [kind, urls] of Object.entries(REFUSED_IN_PRODUCTION)) {
    it(`refuses ${kind} in production`, () => {
      for (const url of urls) expect(partnerUrlProblem(url, PRODUCTION_URL_POLICY), url).toEqual(expect.any(String));
    });
  }

  it("allows loopback, over http too, in development and tests, and nothing else that is not public", () => {
    for (const url of [
      "http://127.0.0.1:8090",
      "http://localhost:8090/cctv",
      "http://[::1]:8090/",
      "https://127.0.0.1/",
    ]) {
      expect(partnerUrlProblem(url, DEVELOPMENT), url).toBeNull();
    }
    for (const url of [
      "http://10.0.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/",
      "http://partner.example.com/",
      "https://printer.local/",
      "http://[::ffff:10.0.0.1]/",
    ]) {
      expect(partnerUrlProblem(url, DEVELOPMENT), url).toEqual(expect.any(String));
    }
  });
});

describe("requests to a partner", () => {
  it("never follow a redirect: a 3xx is an error, not retried", async () => {
    const seen: Array<RequestInit["redirect"]> = [];
    const redirecting = (async (_url: string, init?: RequestInit) => {
      seen.push(init?.redirect);
      return new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } });
    }) as unknown as typeof fetch;
    const request = getJson("https://partner.example.com/members", {
      fetch: redirecting,
      retries: 3,
      minRetryDelayMs: 1,
    });
    await expect(request).rejects.toThrow(/redirect \(302\), which is not followed/);
    expect(seen).toEqual(["manual"]);
  });

  it("are not sent to a refused URL, even one stored before the rule", async () => {
    let calls = 0;
    const counting = (async () => {
      calls += 1;
      return Response.json({ data: [], next_cursor: null });
    }) as unknown as typeof fetch;
    for (const url of ["http://127.0.0.1:8090/members", "https://10.0.0.1/members"]) {
      await expect(getJson(url, { fetch: counting })).rejects.toThrow(SourceHttpError);
    }
    expect(calls).toBe(0);
  });
});

/**
 * The procedures with production's policy. Not over HTTP: a Worker configured for production refuses this
 * test stack (local database, http origin) before any procedure runs; the policy comes from APP_ENV through
 * partnerUrlPolicyFromConfig, tested below.
 */
describe("base URLs through the procedures, with production's policy", () => {
  const db = testDb();
  let tenant: Tenant;
  const makeCaller = createCallerFactory(appRouter);
  let caller: ReturnType<typeof makeCaller>;
  beforeAll(async () => {
    tenant = await createTenant(db);
    const queue = recordingQueue().queue;
    const base = {
      actor: { type: "admin", userId: tenant.admin.id, email: tenant.admin.email },
      db,
      catalog: db,
      organisationId: undefined,
      now: () => Date.now(),
      queues: { sync: queue, webhooks: queue, invitations: queue },
      secrets: secretBoxOf(parseConfig(env)),
      partnerUrls: PRODUCTION_URL_POLICY,
      tuning: DEFAULT_TUNING,
      requestId: "partner-url-test",
    };
    // The tenant's data is in the tests' one database (the single-database layout, ADR 0021).
    caller = makeCaller({
      ...base,
      forOrganisation: async (organisationId: string) => ({ ...base, organisationId }),
    } as unknown as TrpcContext);
  });
  /** The paths a refusal names, as the errorFormatter reports them; [] when the call succeeded. */
  const refusedPaths = async (call: Promise<unknown>): Promise<string[]> => {
    try {
      await call;
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe("BAD_REQUEST");
      const issues =
        ((error as TRPCError).cause as { issues?: Array<{ path: Array<string | number> }> } | undefined)?.issues ?? [];
      return issues.map((issue) => issue.path.join("."));
    }
  };
  const connect = (baseUrl: string) =>
    caller.integrations.connect({
      organisationId: tenant.organisation.id,
      name: "Partner",
      baseUrl,
      apiKey: "sk_live_1234567890",
      locations: [],
    });

  it("takes the policy from APP_ENV: loopback only outside production", () => {
    const config = (APP_ENV: string) => ({ APP_ENV }) as Parameters<typeof partnerUrlPolicyFromConfig>[0];
    expect(partnerUrlPolicyFromConfig(config("production"))).toEqual(PRODUCTION_URL_POLICY);
    expect(partnerUrlPolicyFromConfig(config("development"))).toEqual({ allowLoopback: true });
    expect(partnerUrlPolicyFromConfig(config("test"))).toEqual({ allowLoopback: true });
  });

  it("refuses a non-public or plain-http base URL, naming the field, and connects nothing", async () => {
    for (const baseUrl of [
      "http://partner.example.com",
      "https://169.254.169.254",
      "https://[::ffff:127.0.0.1]",
      "https://metadata.google.internal",
      env.DEMO_PARTNER_URL,
    ]) {
      expect(await refusedPaths(connect(baseUrl)), baseUrl).toEqual(["baseUrl"]);
    }
    expect(await db.select().from(integration).where(eq(integration.organisationId, tenant.organisation.id))).toEqual(
      [],
    );
  });

  it("refuses one in an edit too, and leaves the integration as it was", async () => {
    const { integrationId } = await connect("https://partner.example.com/api");
    const [before] = await db.select().from(integration).where(eq(integration.id, integrationId));
    const update = caller.integrations.update({
      organisationId: tenant.organisation.id,
      integrationId,
      patch: { baseUrl: "https://10.1.2.3/api", apiKey: "sk_new_1234567890" },
    });
    expect(await refusedPaths(update)).toEqual(["patch.baseUrl"]);
    const [after] = await db.select().from(integration).where(eq(integration.id, integrationId));
    expect(after).toEqual(before);
  });

  it("Sync this person now does not call a loopback partner stored before the rule", async () => {
    const stored = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Old",
        baseUrl: env.DEMO_PARTNER_URL,
        apiKey: env.DEMO_PARTNER_KEY,
        locations: { "loc-north": tenant.granted.id },
      },
      Date.now(),
    );
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const { steps } = await caller.passes.syncPerson({
      facilityId: tenant.granted.id,
      source: "integration",
      integrationId: stored.id,
      externalId: "M-00001",
    });
    expect(steps).toEqual([
      { step: "fetch", status: "stop", detail: expect.stringContaining("the source's URL is refused") },
    ]);
  });

  it("every procedure that takes a URL refuses a private one, naming the field, so a new one cannot forget the rule", async () => {
    const { integrationId } = await connect("https://partner.example.com/api");
    const scope: Record<string, unknown> = {
      facilityId: tenant.granted.id,
      organisationId: tenant.organisation.id,
      integrationId,
    };
    const fill = (key: string) =>
      scope[key] ?? (/Ids$/.test(key) ? ["id_sample"] : isIdLike(key) ? "id_sample" : undefined);
    const urlLeaves = (value: unknown, path: string[] = []): string[][] =>
      value !== null && typeof value === "object"
        ? Object.entries(value).flatMap(([key, item]) => urlLeaves(item, [...path, key]))
        : typeof value === "string" && /url$/i.test(path.at(-1) ?? "")
          ? [path]
          : [];
    const failures: string[] = [];
    let checked = 0;
    for (const p of listProcedures()) {
      for (const input of buildInputs(p, fill)) {
        for (const leaf of urlLeaves(input)) {
          const bad = structuredClone(input) as Record<string, unknown>;
          let holder = bad;
          for (const key of leaf.slice(0, -1)) holder = holder[key] as Record<string, unknown>;
          holder[leaf.at(-1)!] = "https://169.254.169.254/latest/meta-data/";
          // A changed URL needs the key again: give one, so only the URL rule can refuse.
          if (leaf.at(-2) === "patch") holder.apiKey = "sk_live_1234567890";
          const procedure = p.path
            .split(".")
            .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
            input: unknown,
          ) => Promise<unknown>;
          const paths = await refusedPaths(procedure(bad));
          checked += 1;
          if (!paths.includes(leaf.join("."))) failures.push(`${p.path} ${leaf.join(".")}: ${JSON.stringify(paths)}`);
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
  });
});
