import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, insertIntegration, invitation, updateSyncSettings } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "./support";

export type MailboxEmail = {
  id: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  requests: number;
  idempotency_key: string | null;
};

const mailboxHeaders = () => ({ authorization: `Bearer ${env.RESEND_API_KEY}`, "content-type": "application/json" });

/** What the test mailbox captured for one facility (the Worker tags every invitation with it). */
export async function mailboxEmails(facilityId: string): Promise<MailboxEmail[]> {
  const res = await fetch(
    `${env.RESEND_API_URL}/emails?limit=1000&tag=${encodeURIComponent(`facility_id:${facilityId}`)}`,
    { headers: mailboxHeaders() },
  );
  return ((await res.json()) as { data: MailboxEmail[] }).data;
}

/** The mailbox's failure switch; `match` keeps it to one recipient, so other tests' sends are untouched. */
export async function failSends(body: {
  enabled: boolean;
  rate?: number;
  status?: 429 | 500 | 503;
  match?: string | null;
}) {
  const res = await fetch(`${env.RESEND_API_URL}/control/fail-sends`, {
    method: "POST",
    headers: mailboxHeaders(),
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`fail-sends: ${res.status}`);
}

/** Pre-stores an email under a key, as if a consumer's send reached the provider before it crashed. */
export async function sendToMailbox(email: unknown, idempotencyKey: string): Promise<string> {
  const res = await fetch(`${env.RESEND_API_URL}/emails`, {
    method: "POST",
    headers: { ...mailboxHeaders(), "idempotency-key": idempotencyKey },
    body: JSON.stringify(email),
  });
  return ((await res.json()) as { id: string }).id;
}

export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export type SmallPartnerMember = {
  external_id: string;
  email: string | null;
  location_ids: string[];
  first_name: string;
};

/** The small partner's members (12, at loc-north, loc-river and the unmapped loc-closed). */
export async function smallPartnerMembers(): Promise<SmallPartnerMember[]> {
  const res = await fetch(`${env.SMALL_PARTNER_URL}/members?limit=100`, {
    headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` },
  });
  return ((await res.json()) as { data: SmallPartnerMember[] }).data;
}

/** A tenant whose granted facility mirrors the small partner, Auto-send on. */
export async function autoSendTenant(): Promise<Tenant & { cookie: string }> {
  const tenant = await createTenant();
  const db = testDb();
  await insertIntegration(
    db,
    {
      organisationId: tenant.organisation.id,
      name: "Small Partner",
      baseUrl: env.SMALL_PARTNER_URL,
      apiKey: env.DEMO_PARTNER_KEY,
      locations: { "loc-north": tenant.granted.id, "loc-river": tenant.granted.id },
    },
    Date.now(),
  );
  await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true, autoSendInvitations: true }, Date.now());
  return { ...tenant, cookie: await signIn(tenant.admin.email, tenant.admin.password) };
}

type PassView = { passId: string; state: string };

/** "Sync now" for Integrations, then waits for the pass to end. */
export async function syncNow(tenant: Tenant & { cookie: string }): Promise<PassView> {
  const { body } = await trpcMutation(
    "passes.syncNow",
    { facilityId: tenant.granted.id, source: "integration" },
    tenant.cookie,
  );
  const started = (body.result?.data as { pass: PassView }).pass;
  return eventually(
    async () =>
      (await trpcQuery("passes.get", { facilityId: tenant.granted.id, passId: started.passId }, tenant.cookie)).body
        .result?.data as PassView,
    (view) => view.state !== "running",
  );
}

export async function invitationsOf(facilityId: string) {
  return testDb()
    .select({
      userId: invitation.userId,
      email: invitation.email,
      state: invitation.state,
      error: invitation.error,
      attempts: invitation.attempts,
      generation: invitation.generation,
      sentAt: invitation.sentAt,
    })
    .from(invitation)
    .where(eq(invitation.facilityId, facilityId));
}

/** Waits until nothing of the facility is queued (sent or failed). */
export async function settled(facilityId: string) {
  return eventually(
    () => invitationsOf(facilityId),
    (rows) => rows.length > 0 && rows.every((row) => row.state !== "queued"),
  );
}

/** Synced rows auto-send must invite: effective access and an email. */
export async function eligibleEmails(facilityId: string): Promise<string[]> {
  const rows = await testDb()
    .select({ email: accessUser.email })
    .from(accessUser)
    .where(
      and(
        eq(accessUser.facilityId, facilityId),
        eq(accessUser.source, "integration"),
        eq(accessUser.accessEnabled, true),
      ),
    );
  return rows.flatMap((row) => (row.email ? [row.email] : [])).sort();
}
