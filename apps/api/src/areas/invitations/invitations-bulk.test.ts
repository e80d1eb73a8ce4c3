import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accessUser, insertIntegration, insertManualUser, insertOrganisation, invitation } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";
import { eventually, mailboxEmails } from "../../../test/invitations-support";

const db = testDb();

type Counts = {
  considered: number;
  willSend: number;
  skipped: { noEmail: number; noAccess: number; alreadyInvited: number };
};
type Progress = {
  queued: number;
  counts: { queued: number; sent: number; failed: number };
  done: boolean;
  skipped: Counts["skipped"];
};

describe("Send invitations… (the dialog's API)", () => {
  let tenant: Tenant;
  let cookie: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const tag = crypto.randomUUID().slice(0, 8);
    const person = async (key: string, email: string | null, patch: Partial<typeof accessUser.$inferInsert> = {}) => {
      const row = await insertManualUser(
        db,
        { facilityId: tenant.granted.id, firstName: key, lastName: "Bulk", email, mobilePhone: "+447911123456" },
        Date.now(),
      );
      if (Object.keys(patch).length > 0) await db.update(accessUser).set(patch).where(eq(accessUser.id, row.id));
      ids[key] = row.id;
    };
    await person("ann", `ann-${tag}@example.com`);
    await person("bob", `bob-${tag}@example.com`);
    await person("cat", null);
    await person("dan", `dan-${tag}@example.com`, { accessEnabled: false });
    await person("eve", `eve-${tag}@example.com`, {
      source: "cctv",
      externalId: `cv-${tag}`,
      removedAtSourceAt: Date.now(),
    });
    await person("fay", `fay-${tag}@example.com`);
    await db.insert(invitation).values({
      userId: ids.fay!,
      facilityId: tenant.granted.id,
      email: `fay-${tag}@example.com`,
      state: "sent",
      trigger: "auto",
      queuedAt: 1,
      sentAt: 2,
    });
  });

  const preview = (audience: unknown, resend = false) =>
    trpcQuery("invitations.preview", { facilityId: tenant.granted.id, audience, resend }, cookie).then(
      (r) => r.body.result?.data as Counts,
    );

  it("shows how many get an email and how many are skipped, and why", async () => {
    expect(await preview({ kind: "not_invited" })).toEqual({
      considered: 5,
      willSend: 2,
      skipped: { noEmail: 1, noAccess: 2, alreadyInvited: 0 },
    });
    expect(await preview({ kind: "with_access" })).toEqual({
      considered: 4,
      willSend: 2,
      skipped: { noEmail: 1, noAccess: 0, alreadyInvited: 1 },
    });
    expect(await preview({ kind: "with_access" }, true)).toEqual({
      considered: 4,
      willSend: 3,
      skipped: { noEmail: 1, noAccess: 0, alreadyInvited: 0 },
    });
    expect(await preview({ kind: "source", source: "cctv" })).toEqual({
      considered: 1,
      willSend: 0,
      skipped: { noEmail: 0, noAccess: 1, alreadyInvited: 0 },
    });
    expect(await preview({ kind: "users", userIds: [ids.ann, ids.cat, ids.fay] })).toEqual({
      considered: 3,
      willSend: 1,
      skipped: { noEmail: 1, noAccess: 0, alreadyInvited: 1 },
    });
  });

  it("sends in the background and reports progress until done, then the summary", async () => {
    const { body } = await trpcMutation(
      "invitations.send",
      { facilityId: tenant.granted.id, audience: { kind: "with_access" }, resend: false },
      cookie,
    );
    const sent = body.result?.data as { batchId: string; queued: number };
    expect(sent.queued).toBe(2);
    const progress = await eventually(
      async () =>
        (await trpcQuery("invitations.progress", { facilityId: tenant.granted.id, batchId: sent.batchId }, cookie)).body
          .result?.data as Progress,
      (p) => p.done,
    );
    expect(progress).toMatchObject({
      queued: 2,
      done: true,
      counts: { queued: 0, sent: 2, failed: 0 },
      skipped: { noEmail: 1, noAccess: 0, alreadyInvited: 1 },
    });
    const emails = await mailboxEmails(tenant.granted.id);
    expect(emails.map((e) => e.to[0]!.split("-")[0]).sort()).toEqual(["ann", "bob"]);
    // Sent now, so the same choice has nobody left to send to.
    expect((await preview({ kind: "with_access" })).willSend).toBe(0);
  });

  it("Re-send sends a second email under a new idempotency key", async () => {
    const { body } = await trpcMutation(
      "invitations.send",
      { facilityId: tenant.granted.id, audience: { kind: "users", userIds: [ids.fay] }, resend: true },
      cookie,
    );
    const batchId = (body.result?.data as { batchId: string }).batchId;
    await eventually(
      async () =>
        (await trpcQuery("invitations.progress", { facilityId: tenant.granted.id, batchId }, cookie)).body.result
          ?.data as Progress,
      (p) => p.done,
    );
    const fay = (await mailboxEmails(tenant.granted.id)).filter((e) => e.to[0]!.startsWith("fay-"));
    expect(fay.map((e) => e.idempotency_key)).toEqual([`invite/${ids.fay}/1`]);
  });

  it("answers only for the caller's facilities and the organisation's integrations", async () => {
    const other = await trpcQuery(
      "invitations.preview",
      { facilityId: tenant.ungranted.id, audience: { kind: "with_access" }, resend: false },
      cookie,
    );
    expect(other.body.error?.data.code).toBe("NOT_FOUND");
    const anonymous = await trpcQuery("invitations.preview", {
      facilityId: tenant.granted.id,
      audience: { kind: "with_access" },
      resend: false,
    });
    expect(anonymous.body.error?.data.code).toBe("UNAUTHORIZED");
    const foreignOrg = await insertOrganisation(db, { name: "Foreign" }, Date.now());
    const foreign = await insertIntegration(
      db,
      { organisationId: foreignOrg.id, name: "Theirs", baseUrl: "https://x.test", apiKey: "k", locations: {} },
      Date.now(),
    );
    const theirs = await trpcQuery(
      "invitations.preview",
      {
        facilityId: tenant.granted.id,
        audience: { kind: "source", source: "integration", integrationId: foreign.id },
        resend: false,
      },
      cookie,
    );
    expect(theirs.body.error?.data.code).toBe("NOT_FOUND");
    // Another facility's users named by id are simply not in this facility.
    const stranger = await createTenant();
    const strangerUser = await insertManualUser(
      db,
      { facilityId: stranger.granted.id, firstName: "S", lastName: "T", email: "s@example.com", mobilePhone: null },
      Date.now(),
    );
    expect((await preview({ kind: "users", userIds: [strangerUser.id] })).considered).toBe(0);
    const progress = await trpcQuery(
      "invitations.progress",
      { facilityId: tenant.granted.id, batchId: "ivb_unknown" },
      cookie,
    );
    expect(progress.body.error?.data.code).toBe("NOT_FOUND");
    const empty = await trpcMutation(
      "invitations.send",
      { facilityId: tenant.granted.id, audience: { kind: "users", userIds: [] }, resend: false },
      cookie,
    );
    expect(empty.body.error?.data.code).toBe("BAD_REQUEST");
  });
});
