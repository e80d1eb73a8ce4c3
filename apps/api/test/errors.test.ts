/**
 * Internal errors reach clients as a generic message with an id that is also in the log, never the
 * error's own text (a database error carries the SQL and its values); input with control characters is
 * refused as 400 naming the field before it reaches the database.
 */
import { describe, it, expect, vi, afterEach } from "vitest";
import { sql } from "drizzle-orm";
import { newId } from "@uas/db";
import { createTenant, TEST_DATABASE_URL } from "./support";
import { signedHeaders } from "./webhooks-helpers";
import { workerHarness } from "./reliability-support";

const h = workerHarness(TEST_DATABASE_URL, { WEBHOOK_RATE_LIMIT: "off" });
const db = h.db;
const ERROR_ID = /err_[0-9a-f]{16}/;

/** A trigger that fails every insert into `table` matching `when`, dropped again by the returned function. */
async function failInserts(table: string, when: string) {
  const name = `fault_${newId("t").slice(-12)}`;
  await db.run(
    sql.raw(
      `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN ${when} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
    ),
  );
  return () => db.run(sql.raw(`DROP TRIGGER ${name}`));
}

/** The error ids console.error was given while `work` ran. */
async function loggedIds(work: () => Promise<void>): Promise<string[]> {
  const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    await work();
    return spy.mock.calls.flatMap((args) => args.map(String).join(" ").match(new RegExp(ERROR_ID, "g")) ?? []);
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("control characters in input", () => {
  it("a search with NUL is refused as 400 naming the field, in tRPC and in the CSV export", async () => {
    const tenant = await createTenant(db);
    const cookie = await h.signIn(tenant.admin.email, tenant.admin.password);
    for (const search of ["Ada\u0000", "\u0000", "a\u001b[31m", "line\nbreak"]) {
      const res = await h.trpc("query", "activity.list", { facilityId: tenant.granted.id, search }, cookie);
      expect(res.status, JSON.stringify(search)).toBe(400);
      expect(res.body?.error?.data.issues?.map((issue) => issue.path)).toEqual(["search"]);
      expect(res.text).not.toMatch(/select|activity_search|MATCH/i);
    }
    const users = await h.trpc("query", "users.list", { facilityId: tenant.granted.id, search: "x\u0000" }, cookie);
    expect(users.status).toBe(400);
    expect(users.body?.error?.data.issues?.map((issue) => issue.path)).toEqual(["search"]);

    const csv = await h.fetch(
      new Request(`http://web.test/api/facilities/${tenant.granted.id}/activity.csv?search=Ada%00`, {
        headers: { cookie },
      }),
    );
    expect(csv.status).toBe(400);
    const body = (await csv.json()) as { error: { code: string; issues: Array<{ path: string }> } };
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.issues.map((issue) => issue.path)).toEqual(["search"]);
  });

  it("names keep refusing control characters, while notes keep their line breaks", async () => {
    const tenant = await createTenant(db);
    const cookie = await h.signIn(tenant.admin.email, tenant.admin.password);
    const created = await h.trpc(
      "mutation",
      "users.create",
      {
        facilityId: tenant.granted.id,
        firstName: "Ada\u0000",
        lastName: "Lovelace",
        email: "ada@example.com",
        mobilePhone: null,
      },
      cookie,
    );
    expect(created.status).toBe(400);
    expect(created.body?.error?.data.issues?.map((issue) => issue.path)).toEqual(["firstName"]);

    const user = await h.trpc(
      "mutation",
      "users.create",
      {
        facilityId: tenant.granted.id,
        firstName: "Ada",
        lastName: "Lovelace",
        email: "ada@example.com",
        mobilePhone: null,
      },
      cookie,
    );
    const userId = (user.body?.result?.data as { id: string }).id;
    const notes = await h.trpc(
      "mutation",
      "users.update",
      { facilityId: tenant.granted.id, userId, patch: { notes: "first line\n\tsecond line" } },
      cookie,
    );
    expect(notes.status).toBe(200);
    const nul = await h.trpc(
      "mutation",
      "users.update",
      { facilityId: tenant.granted.id, userId, patch: { notes: "a\u0000b" } },
      cookie,
    );
    expect(nul.status).toBe(400);
    expect(nul.body?.error?.data.issues?.map((issue) => issue.path)).toEqual(["patch.notes"]);
  });
});

describe("internal errors", () => {
  it("a tRPC procedure that fails answers a generic message with the id of the log line, and no SQL", async () => {
    const tenant = await createTenant(db);
    const cookie = await h.signIn(tenant.admin.email, tenant.admin.password);
    const drop = await failInserts("access_user", `NEW.facility_id = '${tenant.granted.id}'`);
    let res: Awaited<ReturnType<typeof h.trpc>> | undefined;
    const ids = await loggedIds(async () => {
      try {
        res = await h.trpc(
          "mutation",
          "users.create",
          {
            facilityId: tenant.granted.id,
            firstName: "Grace",
            lastName: "Hopper",
            email: "grace.hopper@example.com",
            mobilePhone: null,
          },
          cookie,
        );
      } finally {
        await drop();
      }
    });
    expect(res!.status).toBe(500);
    const errorId = res!.text.match(ERROR_ID)?.[0];
    expect(errorId).toBeDefined();
    expect(res!.body?.error?.message).toBe(`Something went wrong (error id ${errorId})`);
    expect((res!.body?.error?.data as { errorId?: string }).errorId).toBe(errorId);
    expect(ids).toContain(errorId);
    for (const leak of ["insert", "access_user", "grace.hopper", "Hopper", "injected fault", "params"])
      expect(res!.text).not.toContain(leak);
  });

  it("a Hono route that fails answers a generic message with the id of the log line, and no SQL", async () => {
    // A database that cannot be reached: the webhook route's first query fails (a failed insert would
    // also do, but a libSQL batch that fails leaves a rejection nobody awaits, which the runner reports).
    const broken = workerHarness("http://127.0.0.1:9", { WEBHOOK_RATE_LIMIT: "off" });
    const payload = JSON.stringify({
      type: "member.removed",
      data: { external_id: "M-1", location_ids: ["loc-north"], updated_at: "2026-11-24T09:00:00Z" },
    });
    const integrationId = newId("int");
    let res: Response | undefined;
    let text = "";
    const ids = await loggedIds(async () => {
      res = await broken.fetch(
        new Request(`http://api.test/webhooks/integrations/${integrationId}`, {
          method: "POST",
          headers: signedHeaders("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", payload),
          body: payload,
        }),
      );
      text = await res.text();
    });
    expect(res!.status).toBe(500);
    const body = JSON.parse(text) as { error: { code: string; message: string; errorId: string } };
    expect(body.error.code).toBe("internal_error");
    expect(body.error.errorId).toMatch(ERROR_ID);
    expect(body.error.message).toBe(`Something went wrong (error id ${body.error.errorId})`);
    expect(ids).toContain(body.error.errorId);
    for (const leak of ["select", "integration", integrationId, "127.0.0.1"])
      expect(text.toLowerCase()).not.toContain(leak.toLowerCase());
  });
});
