/**
 * The User Access page's procedures (related-pages.md): the filter chips and sorts, the stat tiles, the
 * chips' options, the panel's invitation button and "Import (CSV)". Strict inputs; another facility's
 * users never appear, never change.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accessUser, accessGrant, insertManualUser, invitation, newId, type Db } from "@uas/db";
import { IMPORT_TEMPLATE_CSV } from "@uas/domain";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";
import { eventually, mailboxEmails } from "../../../test/invitations-support";

type Issue = { path: string; message: string };
const issuesOf = (body: { error?: unknown }): Issue[] =>
  (body.error as { data: { issues?: Issue[] } } | undefined)?.data.issues ?? [];
const db: Db = testDb();

async function person(facilityId: string, lastName: string, patch: Partial<typeof accessUser.$inferInsert> = {}) {
  const row = await insertManualUser(
    db,
    {
      facilityId,
      firstName: "Pat",
      lastName,
      email: `${lastName.toLowerCase()}-${newId("").slice(-6)}@example.com`,
      mobilePhone: null,
    },
    Date.now(),
  );
  if (Object.keys(patch).length > 0) await db.update(accessUser).set(patch).where(eq(accessUser.id, row.id));
  return row.id;
}

describe("the User Access page's procedures", () => {
  let tenant: Tenant;
  let cookie: string;
  const fid = () => tenant.granted.id;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    ids.ann = await person(fid(), "Ann", { membershipStatus: "active", personType: "Member", customTags: ["pool"] });
    ids.bob = await person(fid(), "Bob", { membershipStatus: "on_hold", personType: "Member", accessEnabled: false });
    ids.cat = await person(fid(), "Cat", {
      source: "cctv",
      externalId: "cv-1",
      removedAtSourceAt: Date.now(),
      syncedTags: ["gold"],
    });
    await db.insert(accessGrant).values({ id: newId("grt"), userId: ids.ann!, name: "Pool", createdAt: 1 });
    // The ungranted facility of the same organisation holds look-alikes that must never show.
    ids.hidden = await person(tenant.ungranted.id, "Hidden", {
      membershipStatus: "secret_status",
      personType: "Spy",
      customTags: ["hidden-tag"],
    });
    await db.insert(invitation).values({
      userId: ids.hidden!,
      facilityId: tenant.ungranted.id,
      email: "h@example.com",
      state: "sent",
      trigger: "auto",
      queuedAt: 1,
    });
  });

  const list = async (input: Record<string, unknown>) => {
    const { status, body } = await trpcQuery("users.list", { facilityId: fid(), ...input }, cookie);
    expect(status, JSON.stringify(body)).toBe(200);
    return (body.result?.data as { total: number; rows: Array<{ lastName: string }> }).rows.map((r) => r.lastName);
  };

  it("filters by every chip and sorts, in the database", async () => {
    expect(await list({})).toEqual(["Ann", "Bob", "Cat"]);
    expect(await list({ access: "has_access" })).toEqual(["Ann"]);
    expect(await list({ access: "no_access" })).toEqual(["Bob", "Cat"]);
    expect(await list({ access: "without_grants" })).toEqual(["Bob", "Cat"]);
    expect(await list({ membershipStatus: "on_hold" })).toEqual(["Bob"]);
    expect(await list({ personType: "Member" })).toEqual(["Ann", "Bob"]);
    expect(await list({ tag: "gold" })).toEqual(["Cat"]);
    expect(await list({ tag: "pool" })).toEqual(["Ann"]);
    expect(await list({ invitation: "not_invited" })).toEqual(["Ann", "Bob", "Cat"]);
    expect(await list({ source: "cctv" })).toEqual(["Cat"]);
    expect(await list({ sort: "recently_added" })).toEqual(["Cat", "Bob", "Ann"]);
    // Nothing of the other facility, whatever the chip.
    expect(await list({ membershipStatus: "secret_status" })).toEqual([]);
    expect(await list({ invitation: "invited" })).toEqual([]);
  });

  it("refuses unknown fields and values, naming the field", async () => {
    for (const [input, path] of [
      [{ state: "access_on" }, "state"],
      [{ access: "everyone" }, "access"],
      [{ sort: "age" }, "sort"],
      [{ invitation: "maybe" }, "invitation"],
      [{ tag: "x".repeat(41) }, "tag"],
    ] as const) {
      const { status, body } = await trpcQuery("users.list", { facilityId: fid(), ...input }, cookie);
      expect(status).toBe(400);
      expect(issuesOf(body).map((i) => i.path)).toContain(path);
    }
    const extra = await trpcQuery("users.tiles", { facilityId: fid(), extra: 1 }, cookie);
    expect(extra.status).toBe(400);
  });

  it("counts the tiles and offers the chips' options from the facility's own data", async () => {
    const tiles = await trpcQuery("users.tiles", { facilityId: fid() }, cookie);
    expect(tiles.body.result?.data).toEqual({ allUsers: 3, hasAccess: 1, noAccess: 2 });
    const options = await trpcQuery("users.filterOptions", { facilityId: fid() }, cookie);
    expect(options.body.result?.data).toEqual({
      membershipStatuses: [
        { value: "active", label: "Active" },
        { value: "on_hold", label: "On hold" },
      ],
      personTypes: ["Member"],
      tags: ["gold", "pool"],
    });
    for (const path of ["users.tiles", "users.filterOptions", "users.list"]) {
      expect((await trpcQuery(path, { facilityId: tenant.ungranted.id }, cookie)).status).toBe(404);
    }
  });

  it("sends the panel's invitation once, then Resend sends a new one; refuses people without email or access", async () => {
    const email = `ivy-${newId("").slice(-8)}@example.com`;
    const ivy = await insertManualUser(
      db,
      { facilityId: fid(), firstName: "Ivy", lastName: "Invite", email, mobilePhone: null },
      Date.now(),
    );
    const send = () => trpcMutation("users.sendInvitation", { facilityId: fid(), userId: ivy.id }, cookie);
    const first = await send();
    expect(first.status).toBe(200);
    expect((first.body.result?.data as { invitation: { state: string } }).invitation.state).toMatch(/queued|sent/);
    // A second click while it is on its way joins it: still one email.
    expect((await send()).status).toBe(200);
    const sentOnce = await eventually(
      () => mailboxEmails(fid()),
      (emails) => emails.some((e) => e.to.includes(email)),
    );
    const state = async () => (await db.select().from(invitation).where(eq(invitation.userId, ivy.id)))[0];
    await eventually(state, (row) => row?.state === "sent");
    expect(sentOnce.filter((e) => e.to.includes(email))).toHaveLength(1);

    // Resend: a new email under a new idempotency key.
    expect((await send()).status).toBe(200);
    await eventually(state, (row) => row?.state === "sent" && row.generation === 1);
    const emails = (
      await eventually(
        () => mailboxEmails(fid()),
        (all) => all.filter((e) => e.to.includes(email)).length === 2,
      )
    ).filter((e) => e.to.includes(email));
    expect(new Set(emails.map((e) => e.idempotency_key)).size).toBe(2);

    const refused = await trpcMutation("users.sendInvitation", { facilityId: fid(), userId: ids.bob! }, cookie);
    expect(refused.status).toBe(400);
    expect((refused.body.error as { message: string }).message).toBe(
      "Pat Bob has no access: an invitation is sent only to people who can open the doors",
    );
    const phoneOnly = await insertManualUser(
      db,
      { facilityId: fid(), firstName: "Pho", lastName: "Only", email: null, mobilePhone: "+447700900123" },
      Date.now(),
    );
    const noEmail = await trpcMutation("users.sendInvitation", { facilityId: fid(), userId: phoneOnly.id }, cookie);
    expect(noEmail.status).toBe(400);
    expect(await db.select().from(invitation).where(eq(invitation.userId, phoneOnly.id))).toEqual([]);
    // Another facility's user: not found, nothing queued.
    const foreign = await trpcMutation("users.sendInvitation", { facilityId: fid(), userId: ids.hidden! }, cookie);
    expect(foreign.status).toBe(404);
    expect((await db.select().from(invitation).where(eq(invitation.userId, ids.hidden!)))[0]?.generation).toBe(0);
  }, 60_000);

  it("imports a CSV: a preview that writes nothing, then exactly that preview in one go", async () => {
    const own = await createTenant();
    const ownCookie = await signIn(own.admin.email, own.admin.password);
    const facilityId = own.granted.id;
    const manual = await insertManualUser(
      db,
      { facilityId, firstName: "Mia", lastName: "Manual", email: "mia@example.com", mobilePhone: null },
      Date.now(),
    );
    await db.insert(accessUser).values({
      id: newId("usr"),
      facilityId,
      source: "cctv",
      externalId: "cv-9",
      firstName: "Cam",
      lastName: "Synced",
      email: "cam@example.com",
      createdAt: 1,
      updatedAt: 1,
    });
    const csv = [
      "First name,Last name,Email,Mobile phone,Person type,Membership status,Custom tags",
      "Nia,New,nia@example.com,07700 900123,Member,Active,Pool",
      "Mia,Manual,mia@example.com,,Staff,,",
      "Cam,Changed,cam@example.com,,,,",
      "No,Contact,,,,,",
      "Bad,Email,not-an-email,,,,",
      "Dup,Line,nia@example.com,,,,",
    ].join("\n");
    const preview = await trpcMutation("users.import.preview", { facilityId, csv }, ownCookie);
    expect(preview.status).toBe(200);
    const plan = preview.body.result?.data as {
      fingerprint: string;
      counts: Record<string, number>;
      rejected: unknown[];
      keptSynced: unknown[];
      toUpdate: unknown[];
    };
    expect(plan.counts).toEqual({ add: 1, update: 1, unchanged: 0, keptSynced: 1, rejected: 3 });
    expect(plan.rejected).toEqual([
      { line: 5, reason: "Missing phone and email: people sign in with a code sent to one of them" },
      { line: 6, reason: 'Email "not-an-email" is not a valid email address' },
      { line: 7, reason: "Duplicate in the file: same email as line 2" },
    ]);
    expect(plan.keptSynced).toEqual([{ line: 4, name: "Cam Synced", sourceLabel: "CCTV/Computer Vision" }]);
    expect(plan.toUpdate).toEqual([{ line: 3, name: "Mia Manual", fields: ["Person type"] }]);
    const countRows = async () =>
      (await db.select().from(accessUser).where(eq(accessUser.facilityId, facilityId))).length;
    expect(await countRows()).toBe(2);

    const stale = await trpcMutation(
      "users.import.confirm",
      { facilityId, csv, fingerprint: "0".repeat(32) },
      ownCookie,
    );
    expect(stale.status).toBe(409);
    expect(await countRows()).toBe(2);

    const applied = await trpcMutation(
      "users.import.confirm",
      { facilityId, csv, fingerprint: plan.fingerprint },
      ownCookie,
    );
    expect(applied.body.result?.data).toEqual({ added: 1, updated: 1 });
    expect(await countRows()).toBe(3);
    expect((await db.select().from(accessUser).where(eq(accessUser.id, manual.id)))[0]?.personType).toBe("Staff");
    expect((await db.select().from(accessUser).where(eq(accessUser.email, "cam@example.com")))[0]?.lastName).toBe(
      "Synced",
    );

    // A file that cannot be read at all: a clear error, nothing written.
    const unreadable = await trpcMutation("users.import.preview", { facilityId, csv: "Name,Phone\nAnn,1" }, ownCookie);
    expect(unreadable.status).toBe(400);
    expect((unreadable.body.error as { message: string }).message).toMatch(/^Unknown column "Name" on line 1/);
    // The template itself previews cleanly.
    const template = await trpcMutation("users.import.preview", { facilityId, csv: IMPORT_TEMPLATE_CSV }, ownCookie);
    expect((template.body.result?.data as { counts: { rejected: number } }).counts.rejected).toBe(0);
    // Someone else's facility: not found, nothing written there.
    const foreign = await trpcMutation(
      "users.import.confirm",
      { facilityId: own.ungranted.id, csv, fingerprint: plan.fingerprint },
      ownCookie,
    );
    expect(foreign.status).toBe(404);
    expect((await db.select().from(accessUser).where(eq(accessUser.facilityId, own.ungranted.id))).length).toBe(0);
    const strict = await trpcMutation("users.import.preview", { facilityId, csv, dryRun: true }, ownCookie);
    expect(strict.status).toBe(400);
    expect(issuesOf(strict.body)).toEqual([{ path: "dryRun", message: 'Unknown field "dryRun"' }]);
  });
});
