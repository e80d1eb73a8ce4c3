import type { TakeoverStep } from "@uas/domain";
import { sqlText, type SqlText } from "@uas/db";
import { SYNC_COLUMN_LIST } from "./row-columns";

/**
 * The writes of a profile merge's takeover (planTakeover), run in the event's write transaction before
 * the kept person's upsert. Every statement names rows by the ids read in the sender's scope (its
 * organisation's facilities, its source and integration), so a merge can never reach another tenant's row.
 */
export function takeoverStatements(steps: readonly TakeoverStep[], keptExternalId: string, now: number): SqlText[] {
  return steps.flatMap((step) =>
    step.kind === "rekey"
      ? [
          sqlText`UPDATE access_user SET external_id = ${keptExternalId}, source_updated_at = NULL,
            removal_source_updated_at = NULL, version = version + 1, updated_at = ${now} WHERE id = ${step.rowId}`,
        ]
      : foldStatements(step.survivorId, step.retiredId, keptExternalId, now),
  );
}

/**
 * The survivor takes the retired row's synced state and external id; the retired row's admin-owned data is
 * folded in (custom tags united, notes joined, the app message kept when the survivor has none, grants the
 * survivor lacks moved, its invitation moved when the survivor has none, so nobody is invited twice; its
 * door log follows the person), then the retired row is deleted (as bulk delete does, explicitly).
 */
function foldStatements(survivorId: string, retiredId: string, keptExternalId: string, now: number): SqlText[] {
  return [
    sqlText`UPDATE access_user SET
        (${SYNC_COLUMN_LIST}, paid_until, seen_pass_id) =
        (SELECT ${SYNC_COLUMN_LIST}, paid_until, seen_pass_id FROM access_user AS r WHERE r.id = ${retiredId}),
        access_enabled = access_enabled AND (SELECT r.access_enabled FROM access_user AS r WHERE r.id = ${retiredId}),
        custom_tags = (SELECT json_group_array(tag) FROM (SELECT DISTINCT t.value AS tag FROM access_user AS u, json_each(u.custom_tags) AS t
          WHERE u.id IN (${survivorId}, ${retiredId}) ORDER BY tag)),
        notes = (SELECT CASE WHEN r.notes = '' OR r.notes = access_user.notes THEN access_user.notes
          WHEN access_user.notes = '' THEN r.notes ELSE access_user.notes || char(10) || char(10) || r.notes END
          FROM access_user AS r WHERE r.id = ${retiredId}),
        app_message = CASE WHEN app_message = '' THEN (SELECT r.app_message FROM access_user AS r WHERE r.id = ${retiredId})
          ELSE app_message END,
        version = version + 1, updated_at = ${now}
      WHERE id = ${survivorId} AND EXISTS (SELECT 1 FROM access_user AS r WHERE r.id = ${retiredId})`,
    sqlText`UPDATE access_grant SET user_id = ${survivorId} WHERE user_id = ${retiredId}
      AND name NOT IN (SELECT name FROM access_grant WHERE user_id = ${survivorId})`,
    sqlText`DELETE FROM access_grant WHERE user_id = ${retiredId}`,
    sqlText`UPDATE invitation SET user_id = ${survivorId} WHERE user_id = ${retiredId}
      AND NOT EXISTS (SELECT 1 FROM invitation WHERE user_id = ${survivorId})`,
    sqlText`DELETE FROM invitation WHERE user_id = ${retiredId}`,
    sqlText`UPDATE access_log_entry SET user_id = ${survivorId} WHERE user_id = ${retiredId}`,
    sqlText`DELETE FROM access_user WHERE id = ${retiredId}`,
    sqlText`UPDATE access_user SET external_id = ${keptExternalId} WHERE id = ${survivorId}`,
  ];
}
