/**
 * A database per organisation (ADR 0021): two organisations whose data lives in databases of their own,
 * beside the catalog, reached through the Worker's every entry (tRPC, webhooks, the queue, the door, the
 * cron). Each test reads the three databases directly: an organisation's rows are in its own database and
 * in neither the other's nor the catalog.
 */
import { describe, it, expect, beforeAll } from "vitest";
import {
  env,
  SELF,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { eq } from "drizzle-orm";
import {
  accessUser,
  addOrganisationMember,
  createDb,
  doorApiKey,
  grantFacilities,
  insertAdmin,
  insertCctvSource,
  newId,
  provisionFacility,
  provisionOrganisation,
  registerIntegration,
  updateSyncSettings,
  webhookInbox,
  type Db,
} from "@uas/db";
import worker from "../src";
import { hashDoorApiKey } from "../src/areas/access/door-keys";
import { recordingQueue, signIn, testDb, trpcMutation, trpcQuery } from "./support";
import {
  BASE,
  cctvPerson,
  createWebhookTenant,
  eventually,
  newWebhookSecret,
  postSigned,
  signedHeaders,
} from "./webhooks-helpers";

const catalog = testDb();
const [nameA, nameB] = env.ORGANISATION_TEST_DATABASES.split(",") as [string, string];
const template = env.ORGANISATION_DATABASE_URL ?? "";
const databaseOf = (name: string): Db =>
  createDb({ url: template.replaceAll("{database}", name), authToken: env.DATABASE_AUTH_TOKEN });
const dbA = databaseOf(nameA);
const dbB = databaseOf(nameB);

/** An organisation provisioned as operators do: its directory entry and admin in the catalog, its data in its database. */
async function provisionTenant(databaseName: string, db: Db) {
  const now = Date.now();
  const organisation = { id: newId("org"), name: `Org in ${databaseName}`, databaseName };
  const stores = { catalog, organisation: db };
  await provisionOrganisation(stores, organisation, now);
  const facility = await provisionFacility(
    stores,
    {
      id: newId("fac"),
      organisationId: organisation.id,
      name: "Own database",
      timeZone: "Europe/London",
      countryCode: "GB",
    },
    now,
  );
  const admin = { id: newId("usr"), email: `${newId("admin")}@example.com`, password: "correct horse battery" };
  await insertAdmin(catalog, { ...admin, name: "Admin" }, now);
  await addOrganisationMember(catalog, { userId: admin.id, organisationId: organisation.id, role: "owner" });
  await grantFacilities(catalog, admin.id, [facility.id]);
  return { organisation, facility, admin, cookie: await signIn(admin.email, admin.password) };
}

const usersNamed = (db: Db, lastName: string) =>
  db
    .select({ id: accessUser.id, facilityId: accessUser.facilityId })
    .from(accessUser)
    .where(eq(accessUser.lastName, lastName));

describe("a database per organisation", () => {
  let a: Awaited<ReturnType<typeof provisionTenant>>;
  let b: Awaited<ReturnType<typeof provisionTenant>>;
  beforeAll(async () => {
    a = await provisionTenant(nameA, dbA);
    b = await provisionTenant(nameB, dbB);
  });

  it("writes an admin's change to the organisation's own database, and neither admin reaches the other's", async () => {
    const lastName = newId("Isolated");
    const created = await trpcMutation(
      "users.create",
      {
        facilityId: a.facility.id,
        firstName: "Ada",
        lastName,
        email: `${lastName.toLowerCase()}@example.com`,
        mobilePhone: null,
      },
      a.cookie,
    );
    expect(created.status).toBe(200);
    expect(await usersNamed(dbA, lastName)).toHaveLength(1);
    expect(await usersNamed(dbB, lastName)).toHaveLength(0);
    expect(await usersNamed(catalog, lastName)).toHaveLength(0);

    const listed = await trpcQuery("users.list", { facilityId: a.facility.id }, a.cookie);
    expect(JSON.stringify(listed.body.result?.data)).toContain(lastName);
    // B's admin asking for A's facility is told it does not exist, exactly like an unknown id.
    const probed = await trpcQuery("users.list", { facilityId: a.facility.id }, b.cookie);
    expect(probed.status).toBe(404);
    const ownList = await trpcQuery("users.list", { facilityId: b.facility.id }, b.cookie);
    expect(ownList.status).toBe(200);
    expect(JSON.stringify(ownList.body.result?.data)).not.toContain(lastName);
  });

  it("stores a webhook in its organisation's database, and the queue applies it there (the message names the organisation)", async () => {
    const secret = newWebhookSecret();
    await insertCctvSource(
      dbB,
      { facilityId: b.facility.id, baseUrl: `${env.DEMO_PARTNER_URL}/cctv`, apiKey: "key", webhookSecret: secret },
      Date.now(),
    );
    await updateSyncSettings(dbB, b.facility.id, { cctvEnabled: true }, Date.now());
    const lastName = newId("Seen");
    const personId = newId("cv");
    const sent = await postSigned(
      `${BASE}/webhooks/cctv/${b.facility.id}`,
      secret,
      cctvPerson({ person_id: personId, last_name: lastName }),
    );
    expect(sent.status).toBe(202);
    const sender = `cctv:${b.facility.id}`;
    const stored = (db: Db) => db.select().from(webhookInbox).where(eq(webhookInbox.sender, sender));
    expect(await stored(dbB)).toHaveLength(1);
    expect(await stored(dbA)).toHaveLength(0);
    expect(await stored(catalog)).toHaveLength(0);
    // The Worker's own queue consumer applies it, opening B's database from the message's organisation.
    await eventually(async () => ((await usersNamed(dbB, lastName)).length === 1 ? true : null));
    expect(await usersNamed(dbA, lastName)).toHaveLength(0);
    expect(await usersNamed(catalog, lastName)).toHaveLength(0);
  });

  it("answers the door from the facility's organisation's database", async () => {
    const key = `uasd_${newId("k")}`;
    await dbA.insert(doorApiKey).values({
      facilityId: a.facility.id,
      keyHash: await hashDoorApiKey(key),
      keyPrefix: key.slice(0, 11),
      createdAt: Date.now(),
    });
    const email = `${newId("door")}@example.com`;
    const created = await trpcMutation(
      "users.create",
      { facilityId: a.facility.id, firstName: "Door", lastName: "Person", email, mobilePhone: null },
      a.cookie,
    );
    expect(created.status).toBe(200);
    const ask = (facilityId: string) =>
      SELF.fetch(`${BASE}/v1/access/check`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ facilityId, email }),
      });
    const answer = await ask(a.facility.id);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ allowed: true });
    // A's key opens nothing at B: B's database has no such key.
    const other = await ask(b.facility.id);
    expect(other.status).toBe(401);
    await other.body?.cancel();
  });

  it("sends each organisation database its share of the cron, which starts that database's passes", async () => {
    await insertCctvSource(
      dbA,
      { facilityId: a.facility.id, baseUrl: `${env.DEMO_PARTNER_URL}/cctv`, apiKey: "key" },
      Date.now(),
    );
    await updateSyncSettings(dbA, a.facility.id, { cctvEnabled: true }, Date.now());
    const { queue, sent } = recordingQueue();
    const bindings = { ...env, SYNC_QUEUE: queue };
    // 04:30 in London on a winter day: past 03:00 and its start jitter, inside the nightly window.
    const scheduledTime = Date.UTC(2026, 11, 3, 4, 30);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/15 * * * *" }), bindings, ctx);
    await waitOnExecutionContext(ctx);
    type Sent = { type: string; facilityId?: string; organisationId?: string; scheduledTime?: number };
    const runs = (sent as Sent[]).filter(
      (m) =>
        m.type === "cron.run" && (m.organisationId === a.organisation.id || m.organisationId === b.organisation.id),
    );
    expect(runs).toHaveLength(2);
    expect(runs.every((m) => m.scheduledTime === scheduledTime)).toBe(true);
    // The cron itself started nothing in A's or B's database: their facilities are not in the catalog's data.
    const startsOf = () =>
      (sent as Sent[]).filter(
        (m) => m.type === "pass.start" && (m.facilityId === a.facility.id || m.facilityId === b.facility.id),
      );
    expect(startsOf()).toHaveLength(0);

    // Each share runs on its own database (the consumer opens it from the envelope) and starts its passes.
    const batch = createMessageBatch(
      "sync",
      runs.map((body, i) => ({ id: `run-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const consumed = createExecutionContext();
    await worker.queue(batch, bindings, consumed);
    await waitOnExecutionContext(consumed);
    expect(startsOf()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ facilityId: a.facility.id, organisationId: a.organisation.id }),
        expect.objectContaining({ facilityId: b.facility.id, organisationId: b.organisation.id }),
      ]),
    );
    expect(startsOf()).toHaveLength(2);
  });

  it("wakes each minute only the organisations that connected a polled system (ABC Ignite)", async () => {
    const wokenByMinute = async () => {
      const { queue, sent } = recordingQueue();
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
        { ...env, SYNC_QUEUE: queue },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return (sent as { type: string; organisationId?: string }[])
        .filter((m) => m.type === "cron.run")
        .map((m) => m.organisationId)
        .filter((id) => id === a.organisation.id || id === b.organisation.id);
    };
    await registerIntegration(catalog, {
      integrationId: newId("int"),
      organisationId: b.organisation.id,
      system: "mindbody",
    });
    expect(await wokenByMinute()).toEqual([]);
    await registerIntegration(catalog, {
      integrationId: newId("int"),
      organisationId: a.organisation.id,
      system: "abc-ignite",
    });
    expect(await wokenByMinute()).toEqual([a.organisation.id]);
  });

  it("applies a message sent before the split (no organisation in it) to the catalog's data", async () => {
    // An organisation still in the catalog (the single-database layout), its webhook stored but not applied.
    const tenant = await createWebhookTenant(catalog, { sourcesOn: true });
    const { queue, sent } = recordingQueue();
    const lastName = newId("Before");
    const body = JSON.stringify(cctvPerson({ last_name: lastName }));
    const post = await worker.fetch(
      new Request(`${BASE}/webhooks/cctv/${tenant.granted.id}`, {
        method: "POST",
        headers: signedHeaders(tenant.cctv.webhookSecret, body),
        body,
      }),
      { ...env, WEBHOOKS_QUEUE: queue },
      createExecutionContext(),
    );
    expect(post.status).toBe(202);
    await post.body?.cancel();
    // Sent today, it names the organisation; the catalog is where its data is.
    expect(sent).toEqual([expect.objectContaining({ type: "webhook.apply", organisationId: tenant.organisation.id })]);
    sent.length = 0;
    const stored = await catalog.select().from(webhookInbox).where(eq(webhookInbox.sender, tenant.cctvSender));
    expect(stored).toHaveLength(1);
    // The message as it was before the split: the same body without the organisation.
    const message = { type: "webhook.apply", version: 2, sender: tenant.cctvSender, webhookId: stored[0]!.webhookId };
    const ctx = createExecutionContext();
    const batch = createMessageBatch("webhooks", [
      { id: "before-split", timestamp: new Date(), attempts: 1, body: message },
    ]);
    await worker.queue(batch, { ...env, WEBHOOKS_QUEUE: queue, SYNC_QUEUE: queue }, ctx);
    await waitOnExecutionContext(ctx);
    expect(await usersNamed(catalog, lastName)).toHaveLength(1);
    expect(sent).toHaveLength(0);
  });
});
