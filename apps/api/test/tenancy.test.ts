/**
 * Tenancy sweep: every tRPC procedure of the router, found at test time, called by an admin of one
 * facility with the ids of another facility (same organisation) and of another organisation. Each must
 * be refused (401/403/404), answer nothing of the other tenant, and change nothing. Inputs are built from
 * each procedure's own zod schemas; a procedure the builder cannot serve fails the sweep.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { accessUser, facility, insertCctvSource, integration, newId, organisation } from "@uas/db";
import { createTenant } from "./support";
import {
  applyQueuedWebhooks,
  caller,
  changedTables,
  createAdmin,
  fingerprint,
  postSigned,
  reportFigures,
  seedFacility,
  workerHarness,
  type Harness,
  type Seeded,
} from "./reliability-support";
import { buildInputs, CannotBuildInput, listProcedures, validate, type ProcedureInfo } from "./zod-inputs";

const h: Harness = workerHarness(env.TENANCY_DATABASE_URL, { WEBHOOK_RATE_LIMIT: "off" });
const db = h.db;
const BASE = "http://api.test";

type Scenario = {
  name: string;
  cookie: () => string;
  /** Values by field name; `rootScope` (facilityId / organisationId at the top of the input) may differ. */
  values: Record<string, unknown>;
  rootScope?: { facilityId: string; organisationId: string };
  /** Strings of the other tenant that must never be in an answer. */
  secrets: () => string[];
  /** Ids whose rows must not change even when the call itself may succeed. */
  victimIds: () => string[];
  /** Which procedures the scenario applies to, and why others are left out. */
  applies: (p: ProcedureInfo, inputs: unknown[]) => boolean;
  /** Only inputs that carry at least one of the other tenant's values (own-scope scenario). */
  onlyForeignInputs?: boolean;
};

/**
 * Own-scope calls where a foreign id only narrows what is listed or counted: the answer may be 200 as long
 * as it holds nothing of the other tenant and the other tenant's rows do not change. Every other
 * procedure must refuse. A new procedure is strict until someone argues it belongs here.
 */
const FILTER_ONLY: Record<string, string> = {
  "users.list": "integrationId filters the facility's own list",
  "invitations.preview": "userIds select among the facility's own users; unknown ids count as nobody",
  "invitations.send": "userIds select among the facility's own users; unknown ids queue nothing",
};

const hasRootField = (p: ProcedureInfo, field: string) =>
  p.inputs.some((schema) => {
    const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod.def;
    return def.type === "object" && def.shape !== undefined && field in def.shape;
  });

describe("tenancy sweep over every tRPC procedure", () => {
  const procedures = listProcedures();
  let ownerA: { cookie: string };
  let facilityAdminA: { cookie: string };
  let org: { A: string; B: string; Aname: string; Bname: string };
  let fac: { A1: string; A2: string; B1: string; B2: string; names: Record<string, string> };
  let integ: {
    A: { id: string; name: string; apiKey: string; secret: string };
    B: { id: string; name: string; apiKey: string; secret: string };
  };
  let cctvSecrets: { A2: string; B1: string; A1: string };
  let victimA2: Seeded;
  let victimB1: Seeded;
  let ownA1: Seeded;

  beforeAll(async () => {
    const a = await createTenant(db);
    const b = await createTenant(db);
    const tag = newId("t").slice(-8);
    // Distinctive names, so finding one in an answer means it leaked.
    const names = {
      [a.granted.id]: `Alpha One ${tag}`,
      [a.ungranted.id]: `Alpha Two Hidden ${tag}`,
      [b.granted.id]: `Bravo One Hidden ${tag}`,
      [b.ungranted.id]: `Bravo Two Hidden ${tag}`,
    };
    for (const [id, name] of Object.entries(names)) await db.update(facility).set({ name }).where(eq(facility.id, id));
    await db
      .update(organisation)
      .set({ name: `Alpha Org ${tag}` })
      .where(eq(organisation.id, a.organisation.id));
    await db
      .update(organisation)
      .set({ name: `Bravo Org Hidden ${tag}` })
      .where(eq(organisation.id, b.organisation.id));
    org = { A: a.organisation.id, B: b.organisation.id, Aname: `Alpha Org ${tag}`, Bname: `Bravo Org Hidden ${tag}` };
    fac = { A1: a.granted.id, A2: a.ungranted.id, B1: b.granted.id, B2: b.ungranted.id, names };

    ownerA = { cookie: await h.signIn(a.admin.email, a.admin.password) };
    const adminA = await createAdmin(db, { organisationId: org.A, role: "admin", facilityIds: [fac.A1] });
    facilityAdminA = { cookie: await h.signIn(adminA.email, adminA.password) };
    const adminA2 = await createAdmin(db, { organisationId: org.A, role: "admin", facilityIds: [fac.A2] });
    const a2Cookie = await h.signIn(adminA2.email, adminA2.password);
    const ownerB = await h.signIn(b.admin.email, b.admin.password);

    // Both organisations map a location of the same name: a webhook of one must still stay in its own.
    const connect = async (
      cookie: string,
      organisationId: string,
      name: string,
      apiKey: string,
      locations: Array<{ locationId: string; facilityId: string }>,
    ) => {
      const page = await caller(h, cookie)<{ integrationId: string }>("mutation", "integrations.connect", {
        organisationId,
        name,
        baseUrl: "https://partner.example.com",
        apiKey,
        locations,
      });
      // The list masks it: "Show secret" is the one way to see it.
      const { webhookSecret: secret } = await caller(h, cookie)<{ webhookSecret: string }>(
        "mutation",
        "integrations.revealSecret",
        {
          organisationId,
          integrationId: page.integrationId,
        },
      );
      if (!secret) throw new Error("no webhook secret shown to the owner");
      return { id: page.integrationId, name, apiKey, secret };
    };
    integ = {
      A: await connect(ownerA.cookie, org.A, `Alpha Partner ${tag}`, `sk_alpha_${tag}_secretkey`, [
        { locationId: "loc-a1", facilityId: fac.A1 },
        { locationId: "loc-a2", facilityId: fac.A2 },
        { locationId: "loc-shared", facilityId: fac.A1 },
      ]),
      B: await connect(ownerB, org.B, `Bravo Partner Hidden ${tag}`, `sk_bravo_${tag}_secretkey`, [
        { locationId: "loc-b1", facilityId: fac.B1 },
        { locationId: "loc-shared", facilityId: fac.B1 },
      ]),
    };
    const now = Date.now();
    cctvSecrets = {
      A1: (
        await insertCctvSource(
          db,
          { facilityId: fac.A1, baseUrl: "https://cctv.example.com", apiKey: `cctv_a1_${tag}` },
          now,
        )
      ).webhookSecret,
      A2: (
        await insertCctvSource(
          db,
          { facilityId: fac.A2, baseUrl: "https://cctv.example.com", apiKey: `cctv_a2_${tag}` },
          now,
        )
      ).webhookSecret,
      B1: (
        await insertCctvSource(
          db,
          { facilityId: fac.B1, baseUrl: "https://cctv.example.com", apiKey: `cctv_b1_${tag}` },
          now,
        )
      ).webhookSecret,
    };

    ownA1 = await seedFacility(h, ownerA.cookie, {
      facilityId: fac.A1,
      integrationId: integ.A.id,
      integrationSecret: integ.A.secret,
      location: "loc-a1",
      tag: "a1",
    });
    victimA2 = await seedFacility(h, a2Cookie, {
      facilityId: fac.A2,
      integrationId: integ.A.id,
      integrationSecret: integ.A.secret,
      location: "loc-a2",
      tag: "a2",
    });
    victimB1 = await seedFacility(h, ownerB, {
      facilityId: fac.B1,
      integrationId: integ.B.id,
      integrationSecret: integ.B.secret,
      location: "loc-b1",
      tag: "b1",
    });
    h.sync.sent.length = 0;
    h.webhooks.sent.length = 0;
    h.invitations.sent.length = 0;
  }, 60_000);

  const idsOf = (v: Seeded, facilityId: string, organisationId: string, integrationId: string) => ({
    facilityId,
    organisationId,
    integrationId,
    userId: v.userId,
    userIds: [v.userId],
    grantId: v.grantId,
    passId: v.passId,
    entryId: v.entryId,
    batchId: v.batchId,
    externalId: v.externalId,
    token: v.token,
    // The partner's own location id: not a tenant object, the same in every scenario.
    locationId: "loc-sweep",
  });

  const seededSecrets = (v: Seeded) => [
    v.userId,
    v.syncedUserId,
    v.grantId,
    v.grantName,
    v.passId,
    v.batchId,
    v.externalId,
    v.marker,
    v.token,
  ];

  function scenarios(): Scenario[] {
    const orgB = () => [
      org.B,
      org.Bname,
      fac.B1,
      fac.B2,
      fac.names[fac.B1]!,
      fac.names[fac.B2]!,
      integ.B.id,
      integ.B.name,
      integ.B.apiKey,
      integ.B.secret,
      cctvSecrets.B1,
      ...seededSecrets(victimB1),
    ];
    // Same organisation: its name and integrations are the organisation's, seen by every admin of it.
    const facA2 = () => [
      fac.A2,
      fac.names[fac.A2]!,
      integ.A.apiKey,
      integ.A.secret,
      cctvSecrets.A2,
      ...seededSecrets(victimA2),
    ];
    const orgBIds = () => [
      org.B,
      fac.B1,
      fac.B2,
      integ.B.id,
      victimB1.userId,
      victimB1.syncedUserId,
      victimB1.passId,
      victimB1.batchId,
    ];
    const facA2Ids = () => [fac.A2, victimA2.userId, victimA2.syncedUserId, victimA2.passId, victimA2.batchId];
    return [
      {
        name: "another organisation's ids",
        cookie: () => ownerA.cookie,
        values: idsOf(victimB1, fac.B1, org.B, integ.B.id),
        secrets: orgB,
        victimIds: orgBIds,
        applies: () => true,
      },
      {
        name: "another facility of the same organisation, as a facility admin",
        cookie: () => facilityAdminA.cookie,
        values: idsOf(victimA2, fac.A2, org.A, integ.A.id),
        secrets: facA2,
        victimIds: facA2Ids,
        applies: () => true,
      },
      {
        name: "another facility of the same organisation, as the organisation's owner",
        cookie: () => ownerA.cookie,
        values: idsOf(victimA2, fac.A2, org.A, integ.A.id),
        secrets: facA2,
        victimIds: facA2Ids,
        // Organisation-level procedures are the owner's to use on their own organisation; the two scenarios
        // above cover them. Facility ones must still need a grant for the facility.
        applies: (p) => hasRootField(p, "facilityId"),
      },
      {
        name: "own facility and organisation, another organisation's objects",
        cookie: () => ownerA.cookie,
        values: idsOf(victimB1, fac.B1, org.B, integ.B.id),
        rootScope: { facilityId: fac.A1, organisationId: org.A },
        secrets: orgB,
        victimIds: orgBIds,
        applies: () => true,
        onlyForeignInputs: true,
      },
    ];
  }

  it("finds every procedure, and builds a valid input for each from its schema", () => {
    expect(procedures.length).toBeGreaterThan(10);
    // The User Access page's procedures are swept like the rest (found at test time; named here so
    // dropping one from the router, or the sweep losing it, fails loudly).
    expect(procedures.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "users.list",
        "users.tiles",
        "users.filterOptions",
        "users.sendInvitation",
        "users.import.preview",
        "users.import.confirm",
      ]),
    );
    const problems: string[] = [];
    for (const p of procedures) {
      try {
        for (const input of buildInputs(
          p,
          (key) => idsOf(ownA1, fac.A1, org.A, integ.A.id)[key as keyof ReturnType<typeof idsOf>],
        )) {
          const check = validate(p, input);
          if (!check.ok)
            problems.push(`${p.path}: built input fails its own schema: ${JSON.stringify(check.issues).slice(0, 300)}`);
        }
      } catch (error) {
        problems.push(`${p.path}: ${error instanceof CannotBuildInput ? error.message : String(error)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("refuses every procedure another tenant's ids, answers none of its data, and changes nothing", async () => {
    const failures: string[] = [];
    const checked = new Set<string>();
    let calls = 0;
    let leaks = 0;
    for (const scenario of scenarios()) {
      for (const p of procedures) {
        const fill = (key: string, path: Array<string | number>) => {
          if (scenario.rootScope && path.length === 1 && (key === "facilityId" || key === "organisationId"))
            return scenario.rootScope[key];
          return scenario.values[key];
        };
        let inputs: unknown[];
        try {
          inputs = buildInputs(p, fill);
        } catch (error) {
          failures.push(`${scenario.name} › ${p.path}: ${String(error)}`);
          continue;
        }
        if (!scenario.applies(p, inputs)) continue;
        const foreign = scenario.victimIds();
        for (const input of inputs) {
          const inputText = JSON.stringify(input) ?? "";
          if (scenario.onlyForeignInputs && !foreign.some((id) => inputText.includes(id))) continue;
          const where = `${scenario.name} › ${p.path} ${inputText.slice(0, 200)}`;
          const valid = validate(p, input);
          if (!valid.ok) {
            failures.push(
              `${where}: the built input fails its own schema ${JSON.stringify(valid.issues).slice(0, 200)}`,
            );
            continue;
          }
          const before = await fingerprint(db);
          const victimBefore = await fingerprint(db, foreign);
          const res = await h.trpc(p.type === "query" ? "query" : "mutation", p.path, input, scenario.cookie());
          calls += 1;
          checked.add(p.path);
          const after = await fingerprint(db);
          const victimAfter = await fingerprint(db, foreign);

          // Nothing of the other tenant in the raw answer (strings the caller sent are not a leak).
          const leaked = scenario.secrets().filter((s) => s && !inputText.includes(s) && res.text.includes(s));
          if (leaked.length > 0) {
            leaks += 1;
            failures.push(`${where}: answer (${res.status}) holds the other tenant's ${leaked.join(", ")}`);
          }
          if (res.status >= 500) failures.push(`${where}: answered ${res.status} ${res.text.slice(0, 200)}`);
          const victimChanged = changedTables(victimBefore, victimAfter);
          if (victimChanged.length > 0)
            failures.push(`${where}: the other tenant's rows changed in ${victimChanged.join(", ")}`);

          if (p.inputs.length === 0) {
            // Nothing to address: it can only answer about the caller. It must still leak and change nothing.
            const changed = changedTables(before, after);
            if (changed.length > 0) failures.push(`${where}: changed ${changed.join(", ")}`);
            continue;
          }
          const refused = [401, 403, 404].includes(res.status);
          // Own scope: a foreign id in a field may also be refused as invalid, naming that field.
          const namesForeignField =
            res.status === 400 &&
            scenario.rootScope !== undefined &&
            (res.body?.error?.data.issues ?? []).some((issue) =>
              foreign.some((id) => JSON.stringify(valueAt(input, issue.path)) === JSON.stringify(id)),
            );
          const filterOnly = scenario.rootScope !== undefined && p.path in FILTER_ONLY && res.status === 200;
          if (!refused && !namesForeignField && !filterOnly) {
            failures.push(`${where}: not refused: ${res.status} ${res.text.slice(0, 200)}`);
          }
          if (!filterOnly) {
            const changed = changedTables(before, after);
            if (changed.length > 0) failures.push(`${where}: changed ${changed.join(", ")}`);
          }
        }
      }
    }
    const notChecked = procedures.map((p) => p.path).filter((path) => !checked.has(path));
    reportFigures({
      tenancy_procedures: procedures.length,
      tenancy_procedures_checked: checked.size,
      tenancy_calls: calls,
      tenancy_leaks: leaks,
    });
    console.log(
      `tenancy sweep: ${checked.size}/${procedures.length} procedures, ${calls} calls, ${leaks} leaks, ${failures.length} failures`,
    );
    expect(notChecked).toEqual([]);
    expect(failures).toEqual([]);
  }, 120_000);

  it("answers no secret in full to anyone, the owner included, but through Show secret", async () => {
    // Every query of the router on the owner's own scope, and every mutation's answer is covered by the
    // sweep above: a partner API key, a webhook secret or a CCTV key must not be in any of them.
    const own = [integ.A.secret, integ.A.apiKey, cctvSecrets.A1, cctvSecrets.A2];
    const found: string[] = [];
    for (const p of procedures.filter((procedure) => procedure.type === "query")) {
      for (const input of buildInputs(
        p,
        (key) => idsOf(ownA1, fac.A1, org.A, integ.A.id)[key as keyof ReturnType<typeof idsOf>],
      )) {
        const res = await h.trpc("query", p.path, input, ownerA.cookie);
        const held = own.filter((secret) => res.text.includes(secret));
        if (held.length > 0) found.push(`${p.path} (${res.status}) holds ${held.length} secret(s)`);
      }
    }
    expect(found).toEqual([]);
    // The stored values are sealed: reading the database gives none of them either.
    expect(JSON.stringify(await db.select().from(integration).where(eq(integration.id, integ.A.id)))).not.toContain(
      integ.A.apiKey,
    );
  });

  it("a call on one's own facility never writes another facility's rows, even for a person both facilities hold", async () => {
    // The organisation's integration maps a location to each facility and holds one person at both; the
    // partner answers (the demo partner: that person is gone there, so "Sync this person now" finds a removal).
    const shared = `SHARED-${ownA1.marker}`;
    const event = {
      type: "member.upserted",
      data: {
        external_id: shared,
        first_name: "Shared",
        last_name: "Person",
        email: `${shared.toLowerCase()}@example.com`,
        mobile_phone: null,
        location_ids: ["loc-a1", "loc-a2"],
        updated_at: "2020-01-01T00:00:00Z",
      },
    };
    expect((await postSigned(h, `${BASE}/webhooks/integrations/${integ.A.id}`, integ.A.secret, event)).status).toBe(
      202,
    );
    await applyQueuedWebhooks(h);
    const held = await db.select().from(accessUser).where(eq(accessUser.externalId, shared));
    expect(held.map((row) => row.facilityId).sort()).toEqual([fac.A1, fac.A2].sort());
    const sharedA2 = held.find((row) => row.facilityId === fac.A2)!.id;
    const [stored] = await db.select().from(integration).where(eq(integration.id, integ.A.id));
    await db
      .update(integration)
      .set({ baseUrl: env.DEMO_PARTNER_URL, apiKey: env.DEMO_PARTNER_KEY })
      .where(eq(integration.id, integ.A.id));

    const values: Record<string, unknown> = { ...idsOf(ownA1, fac.A1, org.A, integ.A.id), externalId: shared };
    const victims = [fac.A2, sharedA2, victimA2.userId, victimA2.syncedUserId, victimA2.passId, victimA2.batchId];
    const failures: string[] = [];
    let calls = 0;
    try {
      for (const p of procedures.filter((procedure) => hasRootField(procedure, "facilityId"))) {
        for (const input of buildInputs(p, (key) => values[key])) {
          const where = `${p.path} ${JSON.stringify(input).slice(0, 200)}`;
          const before = await fingerprint(db, victims);
          const res = await h.trpc(p.type === "query" ? "query" : "mutation", p.path, input, facilityAdminA.cookie);
          calls += 1;
          if (res.status >= 500) failures.push(`${where}: answered ${res.status} ${res.text.slice(0, 200)}`);
          const changed = changedTables(before, await fingerprint(db, victims));
          if (changed.length > 0) failures.push(`${where}: the other facility's rows changed in ${changed.join(", ")}`);
        }
      }
    } finally {
      await db
        .update(integration)
        .set({ baseUrl: stored!.baseUrl, apiKey: stored!.apiKey })
        .where(eq(integration.id, integ.A.id));
      h.sync.sent.length = 0;
      h.invitations.sent.length = 0;
    }
    expect(calls).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  }, 60_000);

  it("the door check answers only about the key's facility: 401 for another facility, 404 for another's people, nothing changed", async () => {
    const { key } = await caller(h, ownerA.cookie)<{ key: string }>("mutation", "accessRules.rotateDoorKey", {
      facilityId: fac.A1,
    });
    const ask = async (body: unknown, bearer = key) => {
      const res = await h.fetch(
        new Request(`${BASE}/v1/access/check`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
          body: JSON.stringify(body),
        }),
      );
      return { status: res.status, text: await res.text() };
    };
    expect((await ask({ facilityId: fac.A1, userId: ownA1.userId })).status).toBe(200);
    const before = await fingerprint(db);
    for (const victim of [victimA2, victimB1]) {
      for (const userId of [victim.userId, victim.syncedUserId]) {
        const foreign = await ask({ facilityId: fac.A1, userId });
        expect(foreign.status).toBe(404);
        expect(foreign.text).not.toContain(userId);
      }
    }
    for (const [facilityId, userId] of [
      [fac.A2, victimA2.userId],
      [fac.B1, victimB1.userId],
      [fac.B2, victimB1.userId],
    ] as const) {
      const refused = await ask({ facilityId, userId });
      expect(refused.status).toBe(401);
      expect(refused.text).not.toContain(userId);
    }
    expect((await ask({ facilityId: fac.A1, userId: ownA1.userId }, "uasd_guess")).status).toBe(401);
    expect(changedTables(before, await fingerprint(db))).toEqual([]);
  });

  it("a webhook signed for one integration never touches another organisation's rows", async () => {
    const bIds = [
      org.B,
      fac.B1,
      fac.B2,
      integ.B.id,
      victimB1.userId,
      victimB1.syncedUserId,
      victimB1.passId,
      victimB1.batchId,
    ];
    const victimBefore = await fingerprint(db, bIds);
    const [victimRow] = await db.select().from(accessUser).where(eq(accessUser.id, victimB1.syncedUserId));

    // Signed by A's integration, naming B's person, B's location and a location both organisations map.
    const upsert = {
      type: "member.upserted",
      data: {
        external_id: victimB1.externalId,
        first_name: "Hijacked",
        last_name: "Name",
        email: "hijack@example.com",
        mobile_phone: null,
        location_ids: ["loc-shared", "loc-b1"],
        updated_at: "2026-11-25T10:00:00Z",
      },
    };
    const removal = {
      type: "member.removed",
      data: {
        external_id: victimB1.externalId,
        location_ids: ["loc-shared", "loc-b1"],
        updated_at: "2026-11-25T11:00:00Z",
      },
    };
    expect((await postSigned(h, `${BASE}/webhooks/integrations/${integ.A.id}`, integ.A.secret, upsert)).status).toBe(
      202,
    );
    await applyQueuedWebhooks(h);
    // The event did apply, to A's own facility only.
    const [own] = await db
      .select()
      .from(accessUser)
      .where(eq(accessUser.externalId, victimB1.externalId))
      .then((rows) => rows.filter((r) => r.facilityId === fac.A1));
    expect(own).toMatchObject({ firstName: "Hijacked", integrationId: integ.A.id });
    expect((await postSigned(h, `${BASE}/webhooks/integrations/${integ.A.id}`, integ.A.secret, removal)).status).toBe(
      202,
    );
    await applyQueuedWebhooks(h);

    // A's secrets on B's endpoints: refused, nothing stored.
    const before = await fingerprint(db);
    expect((await postSigned(h, `${BASE}/webhooks/integrations/${integ.B.id}`, integ.A.secret, upsert)).status).toBe(
      401,
    );
    expect(
      (
        await postSigned(h, `${BASE}/webhooks/cctv/${fac.B1}`, cctvSecrets.A1, {
          type: "person.removed",
          data: { person_id: "cv-1", updated_at: "2026-11-25T11:00:00Z" },
        })
      ).status,
    ).toBe(401);
    expect(changedTables(before, await fingerprint(db))).toEqual([]);

    expect(changedTables(victimBefore, await fingerprint(db, bIds))).toEqual([]);
    const [victimAfter] = await db.select().from(accessUser).where(eq(accessUser.id, victimB1.syncedUserId));
    expect(victimAfter).toEqual(victimRow);
  });
});

/** The value at an issue path such as `locations.0.facilityId`. */
function valueAt(input: unknown, path: string): unknown {
  return path
    .split(".")
    .filter(Boolean)
    .reduce<unknown>(
      (value, key) =>
        value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined,
      input,
    );
}
