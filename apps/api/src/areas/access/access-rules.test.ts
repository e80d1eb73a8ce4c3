import { SELF, env } from "cloudflare:test";
import { describe, it, expect, beforeAll } from "vitest";
import { eq } from "drizzle-orm";
import { accessUser, auditEntry, createSecretBox, doorApiKey, facility, insertGrant, newId, type Db } from "@uas/db";
import { DAY_MS } from "@uas/domain";
import { ORIGIN, createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";
import { endAccessGraces } from "./grace";
import { recordingQueue } from "../../../test/support";
import { DEFAULT_TUNING } from "../../context";
import { PRODUCTION_URL_POLICY } from "../../sources/partner-url";

type View = {
  saved: boolean;
  ruleSet: { rules: unknown[]; graceDays: number };
  statuses: Array<{ value: string; label: string }>;
  personTypes: Array<{ value: string; label: string }>;
  tags: string[];
  preselectedStatuses: string[];
  doorKey: { prefix: string; createdAt: number } | null;
};

async function person(db: Db, facilityId: string, overrides: Partial<typeof accessUser.$inferInsert> = {}) {
  const now = Date.now();
  const [row] = await db
    .insert(accessUser)
    .values({
      id: newId("usr"),
      facilityId,
      source: "manual",
      firstName: "Pat",
      lastName: `Person ${newId("n").slice(-6)}`,
      email: `${newId("p")}@example.com`,
      personType: "member",
      membershipStatus: "active",
      createdAt: now,
      updatedAt: now,
      ...overrides,
    })
    .returning();
  return row!;
}

async function check(body: unknown, key: string | null) {
  const res = await SELF.fetch(`${ORIGIN}/v1/access/check`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.clone().text(), json: (await res.json()) as Record<string, unknown> };
}

const activeOnly = {
  rules: [{ kind: "person_type", personType: "member", statuses: ["active", "Current"] }],
  graceDays: 7,
};

describe("access rules over tRPC", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await createTenant(db);
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  it("offers the facility's own statuses and types with friendly labels, pre-selecting Active and Current", async () => {
    const facilityId = tenant.granted.id;
    await person(db, facilityId, { membershipStatus: "active" });
    await person(db, facilityId, { membershipStatus: "Current", syncedTags: ["gold"] });
    await person(db, facilityId, { membershipStatus: "past_due", personType: "non-member", customTags: ["staff"] });
    await person(db, tenant.ungranted.id, { membershipStatus: "elsewhere_only" });
    const res = await trpcQuery("accessRules.get", { facilityId }, cookie);
    expect(res.status).toBe(200);
    const view = res.body.result!.data as View;
    expect(view.saved).toBe(false);
    expect(view.ruleSet).toEqual({ rules: [{ kind: "person_type", personType: null, statuses: [] }], graceDays: 0 });
    expect(view.statuses).toEqual([
      { value: "Current", label: "Current" },
      { value: "active", label: "Active" },
      { value: "past_due", label: "Past Due" },
    ]);
    expect(view.personTypes).toEqual([
      { value: "member", label: "Member" },
      { value: "non-member", label: "Non-Member" },
    ]);
    expect(view.tags).toEqual(["gold", "staff"]);
    expect(view.preselectedStatuses).toEqual(["Current", "active"]);
  });

  it("previews, then saves with an audit entry; bad input names the field and changes nothing", async () => {
    const facilityId = tenant.granted.id;
    const preview = await trpcQuery("accessRules.preview", { facilityId, ruleSet: activeOnly }, cookie);
    expect(preview.status).toBe(200);
    expect(preview.body.result!.data).toMatchObject({ total: 3, lose: 1, gain: 0 });

    const bad = await trpcMutation(
      "accessRules.save",
      { facilityId, ruleSet: { rules: [{ kind: "tags", tags: [] }], graceDays: -1 } },
      cookie,
    );
    expect(bad.status).toBe(400);
    const paths = ((bad.body.error as unknown as { data: { issues: Array<{ path: string }> } }).data.issues ?? []).map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(["ruleSet.rules.0.tags", "ruleSet.graceDays"]));
    expect((await trpcQuery("accessRules.get", { facilityId }, cookie)).body.result!.data).toMatchObject({
      saved: false,
    });

    const saved = await trpcMutation("accessRules.save", { facilityId, ruleSet: activeOnly }, cookie);
    expect(saved.status).toBe(200);
    expect(saved.body.result!.data).toMatchObject({ saved: true, ruleSet: activeOnly });
    const audits = await db.select().from(auditEntry).where(eq(auditEntry.facilityId, facilityId));
    expect(audits.find((a) => a.action === "access_rules.updated")).toMatchObject({
      actorUserId: tenant.admin.id,
      detail: { effect: { lose: 1, gain: 0 } },
    });
    const list = await trpcQuery("users.list", { facilityId, access: "has_access", limit: 100 }, cookie);
    expect((list.body.result!.data as { total: number }).total).toBe(2);
  });

  it("refuses another facility's rules", async () => {
    for (const res of [
      await trpcQuery("accessRules.get", { facilityId: tenant.ungranted.id }, cookie),
      await trpcMutation("accessRules.save", { facilityId: tenant.ungranted.id, ruleSet: activeOnly }, cookie),
      await trpcMutation("accessRules.rotateDoorKey", { facilityId: tenant.ungranted.id }, cookie),
    ])
      expect(res.status).toBe(404);
  });
});

describe("POST /v1/access/check", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  let key: string;
  const people: Record<string, { id: string; email: string | null }> = {};

  beforeAll(async () => {
    tenant = await createTenant(db);
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const facilityId = tenant.granted.id;
    await trpcMutation("accessRules.save", { facilityId, ruleSet: activeOnly }, cookie);
    const now = Date.now();
    people.active = await person(db, facilityId, { mobilePhone: "+447700900123" });
    people.paid = await person(db, facilityId, { paidUntil: now + DAY_MS });
    people.paidPassed = await person(db, facilityId, { paidUntil: now - 1000 });
    people.disabled = await person(db, facilityId, { accessEnabled: false, removedAtSourceAt: now });
    people.removed = await person(db, facilityId, { source: "integration", externalId: "x1", removedAtSourceAt: now });
    people.expired = await person(db, facilityId, { membershipStatus: "expired" });
    people.granted = await person(db, facilityId, { membershipStatus: "expired" });
    await insertGrant(db, people.granted.id, "Staff", now);
    people.grace = await person(db, facilityId, {
      membershipStatus: "expired",
      graceUntil: now + 3 * DAY_MS,
      graceStatus: "expired",
    });
    people.elsewhere = await person(db, tenant.ungranted.id, { email: "elsewhere@example.com" });
    const rotated = await trpcMutation("accessRules.rotateDoorKey", { facilityId }, cookie);
    key = (rotated.body.result!.data as { key: string }).key;
  });

  it("answers every reason, with until for paid-until and grace", async () => {
    const facilityId = tenant.granted.id;
    const ask = async (name: string) => (await check({ facilityId, userId: people[name]!.id }, key)).json;
    expect(await ask("active")).toEqual({ allowed: true, reason: null, until: null });
    expect(await ask("paid")).toMatchObject({ allowed: true, reason: null });
    expect(Date.parse((await ask("paid")).until as string)).toBeGreaterThan(Date.now());
    expect(await ask("paidPassed")).toEqual({ allowed: false, reason: "no_matching_rule_or_grant", until: null });
    expect(await ask("disabled")).toEqual({ allowed: false, reason: "access_disabled", until: null });
    expect(await ask("removed")).toEqual({ allowed: false, reason: "removed_at_source", until: null });
    expect(await ask("expired")).toEqual({ allowed: false, reason: "no_matching_rule_or_grant", until: null });
    expect(await ask("granted")).toEqual({ allowed: true, reason: null, until: null });
    const grace = await ask("grace");
    expect(grace).toMatchObject({ allowed: true, reason: null });
    expect(Date.parse(grace.until as string)).toBeGreaterThan(Date.now() + 2 * DAY_MS);
  });

  it("finds people by email or by phone in the facility's format", async () => {
    const facilityId = tenant.granted.id;
    expect((await check({ facilityId, email: ` ${people.expired!.email!.toUpperCase()} ` }, key)).json).toMatchObject({
      allowed: false,
    });
    expect((await check({ facilityId, phone: "07700 900123" }, key)).json).toEqual({
      allowed: true,
      reason: null,
      until: null,
    });
  });

  it("admits when any row of an email does, with the latest end; reads a phone in the facility's current country", async () => {
    const facilityId = tenant.granted.id;
    const now = Date.now();
    const email = `${newId("shared")}@example.com`;
    await person(db, facilityId, { email, membershipStatus: "expired" });
    await person(db, facilityId, { email, source: "integration", externalId: newId("x"), paidUntil: now + DAY_MS });
    await person(db, facilityId, { email, source: "integration", externalId: newId("x"), paidUntil: now + 2 * DAY_MS });
    const shared = (await check({ facilityId, email }, key)).json;
    expect(shared).toMatchObject({ allowed: true, reason: null });
    expect(Date.parse(shared.until as string)).toBeGreaterThan(now + DAY_MS + 60_000);

    // The isolate remembers the country the last check read; a change is seen by the next check.
    await person(db, facilityId, { mobilePhone: "+12025550123" });
    await db.update(facility).set({ countryCode: "US" }).where(eq(facility.id, facilityId));
    try {
      expect((await check({ facilityId, phone: "(202) 555-0123" }, key)).json).toMatchObject({ allowed: true });
      expect((await check({ facilityId, phone: "07700 900123" }, key)).status).toBe(404);
    } finally {
      await db.update(facility).set({ countryCode: "GB" }).where(eq(facility.id, facilityId));
    }
    expect((await check({ facilityId, phone: "07700 900123" }, key)).status).toBe(200);
  });

  it("answers 401 for a wrong, missing or rotated key and 404, with nothing leaked, for another facility's user", async () => {
    const facilityId = tenant.granted.id;
    expect((await check({ facilityId, userId: people.active!.id }, "uasd_wrong")).status).toBe(401);
    expect((await check({ facilityId, userId: people.active!.id }, null)).status).toBe(401);
    // The key is the granted facility's: asking about the other facility is refused before anything is read.
    expect((await check({ facilityId: tenant.ungranted.id, userId: people.elsewhere!.id }, key)).status).toBe(401);
    const foreign = await check({ facilityId, userId: people.elsewhere!.id }, key);
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual({ error: { code: "not_found", message: "User not found" } });
    expect((await check({ facilityId, email: "elsewhere@example.com" }, key)).status).toBe(404);
    expect(foreign.text).not.toContain(tenant.ungranted.id);

    const [stored] = await db.select().from(doorApiKey).where(eq(doorApiKey.facilityId, facilityId));
    expect(stored!.keyHash).not.toContain(key);
    expect(JSON.stringify(stored)).not.toContain(key.slice(10));
    const rotated = await trpcMutation("accessRules.rotateDoorKey", { facilityId }, cookie);
    const next = (rotated.body.result!.data as { key: string }).key;
    expect((await check({ facilityId, userId: people.active!.id }, key)).status).toBe(401);
    expect((await check({ facilityId, userId: people.active!.id }, next)).status).toBe(200);
    key = next;
  });

  it("answers 400 naming the problem for a body without exactly one identifier", async () => {
    const facilityId = tenant.granted.id;
    for (const body of [{ facilityId }, { facilityId, userId: "a", email: "b@example.com" }, { userId: "a" }, "junk"]) {
      const res = await check(body, key);
      expect(res.status).toBe(400);
      expect((res.json.error as { code: string }).code).toBe("invalid_request");
    }
  });
});

describe("the cron ends graces", () => {
  const db = testDb();
  it("clears graces whose end passed and leaves running ones", async () => {
    const tenant = await createTenant(db);
    const now = Date.now();
    const ended = await person(db, tenant.granted.id, { graceUntil: now - 60_000, graceStatus: "expired" });
    const running = await person(db, tenant.granted.id, { graceUntil: now + DAY_MS, graceStatus: "expired" });
    const { queue } = recordingQueue();
    const result = await endAccessGraces({
      ctx: {
        actor: { type: "cron" },
        db,
        catalog: db,
        organisationId: tenant.organisation.id,
        now: () => now,
        queues: { sync: queue, webhooks: queue, invitations: queue },
        secrets: createSecretBox(env.SECRETS_KEY),
        tuning: DEFAULT_TUNING,
        partnerUrls: PRODUCTION_URL_POLICY,
      },
    });
    expect(result.ended).toBeGreaterThanOrEqual(1);
    expect(result.latenessMaxMs).toBeGreaterThanOrEqual(60_000);
    const [a] = await db.select().from(accessUser).where(eq(accessUser.id, ended.id));
    const [b] = await db.select().from(accessUser).where(eq(accessUser.id, running.id));
    expect(a).toMatchObject({ graceUntil: null, graceStatus: null });
    expect(b).toMatchObject({ graceUntil: now + DAY_MS, graceStatus: "expired" });
  });
});
