import { Hono } from "hono";
import { z } from "zod";
import { openDatabases } from "@uas/db";
import { id as ids, oneLine } from "../../inputs";
import type { Bindings } from "../../bindings";
import { parseConfig } from "../../env";
import { databaseLayoutOf } from "../../composition";
import { AppError } from "../../errors";
import { checkDoorAccess } from "./door-check";

const id = ids(128);
const checkBody = z.union([
  z.object({ facilityId: id, userId: id }).strict(),
  z.object({ facilityId: id, email: z.string().min(3).max(320).check(oneLine) }).strict(),
  z.object({ facilityId: id, phone: z.string().min(3).max(32).check(oneLine) }).strict(),
]);

const STATUS = { unauthorized: 401, not_found: 404, bad_request: 400, conflict: 409 } as const;

/**
 * `POST /v1/access/check`: the door's question, answered from the access rules (docs/access-check.md).
 * Authenticated by the facility's door API key as a bearer token. The door's hot path: mounted ahead of
 * the app's per-request composition (app.ts), it takes only the parsed configuration (parsed once per
 * isolate) and a database client, and reads one statement (checkDoorAccess) in the facility's
 * organisation's database.
 */
export const accessCheck = new Hono<{ Bindings: Bindings }>().post("/check", async (c) => {
  const raw: unknown = await c.req.json().catch(() => undefined);
  const parsed = checkBody.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    return c.json(
      {
        error: {
          code: "invalid_request",
          message: "Send {facilityId} with exactly one of userId, email or phone",
          issues,
        },
      },
      400,
    );
  }
  const { facilityId, ...identifier } = parsed.data;
  const key = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  try {
    // The facility's organisation, from the catalog (remembered by the isolate), names the database.
    const databases = openDatabases(databaseLayoutOf(parseConfig(c.env)));
    const organisationId = await databases.organisationOfFacility(facilityId);
    const result = await checkDoorAccess({
      db: organisationId ? await databases.forOrganisation(organisationId) : databases.catalog,
      now: Date.now(),
      input: { facilityId, identifier, key },
    });
    return c.json(result, 200, { "cache-control": "no-store" });
  } catch (error) {
    if (error instanceof AppError)
      return c.json({ error: { code: error.kind, message: error.message } }, STATUS[error.kind]);
    throw error;
  }
});
