import { newWebhookSecret } from "@uas/db";
import {
  test,
  expect,
  API_URL,
  DEMO_IDS,
  accessUsersOfSource,
  activityOfWebhook,
  createCctvSource,
  createGrantedFacility,
  inboxRowsOfWebhook,
  integrationWebhookSecret,
  mapIntegrationLocation,
  sendSignedWebhook,
  setSyncSettings,
  uniqueName,
} from "./fixtures";

/**
 * Partner webhooks (partner-contract.md §1) signed by the `standardwebhooks` library, the way partners
 * sign them, against the real Worker runtime of the stack (`wrangler dev`, its queue and the libSQL
 * database). No browser page: plain fetch, then the database through the fixtures.
 *
 * Everything lands in a facility of its own, reached through a location id of its own in the demo
 * integration's map, so the seeded facilities' User Access lists are untouched.
 */

const INTEGRATION_PATH = `/webhooks/integrations/${DEMO_IDS.integrationId}`;
/** A 202'd event is applied by the queue consumer within ~1 s locally; this bounds the wait. */
const APPLY_TIMEOUT_MS = 10_000;
const poll = { timeout: APPLY_TIMEOUT_MS, intervals: [100, 200, 250] };

const run = Math.random().toString(36).slice(2, 8);
const webhookId = (label: string) => `msg_e2e_${run}_${label}`;

let facilityId = "";
let locationId = "";
let cctvSecret = "";
let unmapLocation: (() => Promise<void>) | undefined;

test.beforeAll(async () => {
  const facility = await createGrantedFacility(uniqueName("Webhooks "));
  facilityId = facility.id;
  await setSyncSettings(facilityId, { integrationsEnabled: true, cctvEnabled: true });
  locationId = `loc-e2e-${run}`;
  unmapLocation = await mapIntegrationLocation({ locationId, facilityId });
  cctvSecret = await createCctvSource(facilityId);
});

test.afterAll(async () => {
  await unmapLocation?.();
});

function memberUpserted(externalId: string, overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    type: "member.upserted",
    data: {
      external_id: externalId,
      first_name: "Ada",
      last_name: "Lovelace",
      email: `${externalId.toLowerCase()}@example.com`,
      mobile_phone: "+447700900123",
      person_type: "member",
      membership_status: "active",
      tags: ["gold", "pool"],
      location_ids: [locationId],
      updated_at: "2026-11-24T09:59:58Z",
      ...overrides,
    },
  });
}

test("a signed member.upserted is accepted, applied, and its re-delivery is a duplicate applied once", async () => {
  const secret = await integrationWebhookSecret();
  const externalId = `M-E2E-${run}`;
  const id = webhookId("upsert");
  const body = memberUpserted(externalId);

  // (1) Accepted: 202 {id, status: "accepted"}…
  const first = await sendSignedWebhook({ url: INTEGRATION_PATH, secret, webhookId: id, body });
  expect(first.status).toBe(202);
  expect(first.json).toEqual({ id, status: "accepted" });

  // …and then applied by the queue consumer: the User Access row and an activity entry for this webhook id.
  await expect
    .poll(
      async () =>
        (await activityOfWebhook(id)).map((e) => ({
          facilityId: e.facilityId,
          externalId: e.externalId,
          outcome: e.outcome,
        })),
      poll,
    )
    .toEqual([{ facilityId, externalId, outcome: "added" }]);
  const [row, ...others] = await accessUsersOfSource({ externalId, source: "integration" });
  expect(others).toHaveLength(0);
  expect(row).toMatchObject({
    facilityId,
    integrationId: DEMO_IDS.integrationId,
    firstName: "Ada",
    lastName: "Lovelace",
    email: `${externalId.toLowerCase()}@example.com`,
    mobilePhone: "+447700900123",
  });
  const [entry] = await activityOfWebhook(id);
  expect(entry!.userId).toBe(row!.id);

  // (2) The same webhook-id again, re-signed with a fresh timestamp as a retrying sender does: "duplicate".
  const again = await sendSignedWebhook({ url: INTEGRATION_PATH, secret, webhookId: id, body });
  expect(again.status).toBe(202);
  expect(again.json).toEqual({ id, status: "duplicate" });
  // The id alone decides: a changed body under the same id is a duplicate too, and changes nothing.
  const changed = await sendSignedWebhook({
    url: INTEGRATION_PATH,
    secret,
    webhookId: id,
    body: memberUpserted(externalId, { first_name: "Augusta", updated_at: "2026-11-24T10:30:00Z" }),
  });
  expect(changed.status).toBe(202);
  expect(changed.json).toEqual({ id, status: "duplicate" });

  // A later event through the same queue, once applied, shows the consumer has had its chance to (wrongly)
  // apply the re-deliveries too.
  const sentinelId = webhookId("sentinel");
  const sentinel = await sendSignedWebhook({
    url: INTEGRATION_PATH,
    secret,
    webhookId: sentinelId,
    body: memberUpserted(`${externalId}-S`),
  });
  expect(sentinel.json).toEqual({ id: sentinelId, status: "accepted" });
  await expect.poll(async () => (await activityOfWebhook(sentinelId)).length, poll).toBe(1);

  expect(await activityOfWebhook(id)).toHaveLength(1);
  expect(await inboxRowsOfWebhook(id)).toMatchObject([{ state: "applied" }]);
  const [after] = await accessUsersOfSource({ externalId, source: "integration" });
  expect(after).toMatchObject({ id: row!.id, firstName: "Ada", version: row!.version });
});

test("a wrong secret or a timestamp outside the 5-minute tolerance answers 401 invalid_signature", async () => {
  const secret = await integrationWebhookSecret();
  const minutes = (n: number) => new Date(Date.now() + n * 60_000);
  const refused = [
    { label: "wrong-secret", secret: newWebhookSecret(), timestamp: new Date() },
    { label: "stale", secret, timestamp: minutes(-6) },
    { label: "future", secret, timestamp: minutes(6) },
  ];
  for (const attempt of refused) {
    const id = webhookId(attempt.label);
    const answer = await sendSignedWebhook({
      url: INTEGRATION_PATH,
      secret: attempt.secret,
      webhookId: id,
      body: memberUpserted(`M-E2E-${run}-${attempt.label}`),
      timestamp: attempt.timestamp,
    });
    expect(answer.status, attempt.label).toBe(401);
    expect(answer.json, attempt.label).toEqual({ error: { code: "invalid_signature", message: expect.any(String) } });
    // Errors never echo secrets.
    expect(JSON.stringify(answer.json), attempt.label).not.toContain(attempt.secret.slice("whsec_".length));
    expect(await inboxRowsOfWebhook(id), attempt.label).toHaveLength(0);
  }

  // The control: the right secret, 4 minutes off (inside the tolerance), is accepted.
  const inside = webhookId("inside-tolerance");
  const accepted = await sendSignedWebhook({
    url: INTEGRATION_PATH,
    secret,
    webhookId: inside,
    body: memberUpserted(`M-E2E-${run}-inside`),
    timestamp: minutes(-4),
  });
  expect(accepted.status).toBe(202);
  expect(accepted.json).toEqual({ id: inside, status: "accepted" });
});

test("a validly signed body that fails the schema answers 400 invalid_payload naming the field", async () => {
  const secret = await integrationWebhookSecret();
  const id = webhookId("bad-schema");
  const answer = await sendSignedWebhook({
    url: INTEGRATION_PATH,
    secret,
    webhookId: id,
    body: memberUpserted(`M-E2E-${run}-bad`, { email: 42 }),
  });
  expect(answer.status).toBe(400);
  expect(answer.json).toEqual({
    error: {
      code: "invalid_payload",
      message: expect.any(String),
      issues: [{ path: "data.email", message: expect.any(String) }],
    },
  });
  expect(await inboxRowsOfWebhook(id)).toHaveLength(0);

  // Not JSON at all: 400 invalid_payload as well.
  const notJson = await sendSignedWebhook({
    url: INTEGRATION_PATH,
    secret,
    webhookId: webhookId("not-json"),
    body: "{not json",
  });
  expect(notJson.status).toBe(400);
  expect(notJson.json).toMatchObject({ error: { code: "invalid_payload" } });
});

test("a CCTV webhook signed with the facility's CCTV secret is accepted and applied", async () => {
  const personId = `cv-e2e-${run}`;
  const id = webhookId("cctv");
  const url = `${API_URL}/webhooks/cctv/${facilityId}`;
  const body = JSON.stringify({
    type: "person.identified",
    data: {
      person_id: personId,
      first_name: "Grace",
      last_name: "Hopper",
      email: `${personId}@example.com`,
      mobile_phone: null,
      updated_at: "2026-11-24T09:00:00Z",
    },
  });

  // The integration's secret is not this facility's: refused.
  const wrong = await sendSignedWebhook({
    url,
    secret: await integrationWebhookSecret(),
    webhookId: webhookId("cctv-wrong"),
    body,
  });
  expect(wrong.status).toBe(401);
  expect(wrong.json).toMatchObject({ error: { code: "invalid_signature" } });

  const answer = await sendSignedWebhook({ url, secret: cctvSecret, webhookId: id, body });
  expect(answer.status).toBe(202);
  expect(answer.json).toEqual({ id, status: "accepted" });

  await expect
    .poll(
      async () =>
        (await activityOfWebhook(id)).map((e) => ({ facilityId: e.facilityId, source: e.source, outcome: e.outcome })),
      poll,
    )
    .toEqual([{ facilityId, source: "cctv", outcome: "added" }]);
  expect(await accessUsersOfSource({ externalId: personId, source: "cctv", facilityId })).toMatchObject([
    { firstName: "Grace", lastName: "Hopper", email: `${personId}@example.com`, integrationId: null },
  ]);
});
