import { Hono } from "hono";
import Papa from "papaparse";
import { z } from "zod";
import { search } from "../../inputs";
import { findGrantedFacility } from "@uas/db";
import { OUTCOMES, fieldLabel } from "@uas/domain";
import type { AppEnv } from "../../hono-env";
import { listFacilityActivity } from "./service";

/** Enough for any troubleshooting session; the log itself keeps far more. */
const MAX_ROWS = 50_000;
const PAGE = 200;

const querySchema = z.object({
  search: search(200).optional(),
  outcome: z.enum(OUTCOMES).optional(),
});

/**
 * Cells a spreadsheet would read as a formula get a leading `'` (OWASP "CSV injection"): names and ids
 * come from partners. Papaparse's own `escapeFormulae: true` pattern ends in `.*$`, which misses a value
 * with a line break after the formula, so the pattern is given here; full-width forms count too.
 */
const FORMULA_START = /^[=+\-@\t\r\n＝＋－＠]/;
const unparse = (rows: string[][]) => Papa.unparse(rows, { header: false, escapeFormulae: FORMULA_START });

// Headed in the words of the activity detail, for admins opening the file in a spreadsheet.
const COLUMNS = [
  "Time",
  "Outcome",
  "Name",
  "External ID",
  "Source",
  "Reason",
  "Changed fields",
  "Pass ID",
  "Webhook ID",
  "User ID",
  "Entry ID",
];

/** Sync activity as CSV for the current search and outcome filter (a file download, so not tRPC). */
export const activityCsv = new Hono<AppEnv>().get("/:facilityId/activity.csv", async (c) => {
  const session = await c.get("auth")().api.getSession({ headers: c.req.raw.headers });
  if (!session) return c.json({ error: { code: "unauthorized", message: "Sign in to continue" } }, 401);
  const facility = await findGrantedFacility(c.get("databases").catalog, session.user.id, c.req.param("facilityId"));
  if (!facility) return c.json({ error: { code: "not_found", message: "Facility not found" } }, 404);
  const query = querySchema.safeParse(c.req.query());
  if (!query.success) {
    const issues = query.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
    return c.json({ error: { code: "invalid_request", message: "Invalid export filter", issues } }, 400);
  }

  const ctxFor = await c.get("ctxForOrganisation")(facility.organisationId);
  const ctx = ctxFor({ type: "admin", userId: session.user.id, email: session.user.email });
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(`${unparse([COLUMNS])}\r\n`));
      let cursor: number | null = null;
      for (let written = 0; written < MAX_ROWS; ) {
        const page = await listFacilityActivity({
          ctx,
          input: { facility, ...query.data, cursor, limit: PAGE },
        });
        const rows = page.entries.map((e) => [
          new Date(e.at).toISOString(),
          e.outcomeLabel,
          e.name,
          e.externalId,
          e.sourceLabel,
          e.reason ?? "",
          e.changes
            .map((change) => `${fieldLabel(change.field)}: ${String(change.from ?? "")} → ${String(change.to ?? "")}`)
            .join("; "),
          e.passId ?? "",
          e.webhookId ?? "",
          e.userId ?? "",
          String(e.id),
        ]);
        if (rows.length > 0) controller.enqueue(encoder.encode(`${unparse(rows)}\r\n`));
        written += rows.length;
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      controller.close();
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="sync-activity-${day}.csv"`,
    },
  });
});
