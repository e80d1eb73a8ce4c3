import { SOURCE_KINDS, SYNC_SOURCES, isIntegrationScoped, type AppliedOutcome, type SyncSource } from "@uas/domain";
import { effectiveAccessSql, ident, jsonLiteral, sqlJoin, sqlText, syncSettings, type SqlText } from "@uas/db";
import type { StoreHandle } from "./store-handle";

/**
 * Auto-send's transactional outbox. The engine adds these statements to the script that applies a
 * page, an event or the end of a pass, so the invitation row commits (or rolls back) with the change
 * that made the person eligible. One statement per call, never one per person. The primary key (one
 * row per user) is what keeps "never a second invitation" under racing passes, webhooks and retries:
 * a row that exists is never inserted again. Sending happens after commit, from the queue.
 */

/** Outcomes where sync applied a record to a row; Skipped and Disabled are not. */
const APPLIED: ReadonlySet<AppliedOutcome> = new Set<AppliedOutcome>(["added", "updated", "processed"]);

/** The rows of applied entries: what `autoInvitationStatements` takes from a page's or an event's entries. */
export function appliedUserIds(entries: ReadonlyArray<{ outcome: AppliedOutcome; userId: string | null }>): string[] {
  const ids = new Set<string>();
  for (const e of entries) if (e.userId !== null && APPLIED.has(e.outcome)) ids.add(e.userId);
  return [...ids];
}

/**
 * Who auto-send invites: a synced row still tracking its source (a decoupled row is managed by hand),
 * with effective access (the access rules' one definition), an email, in a facility with Auto-send on.
 */
const personEligible = (now: number) => sqlText`u.source <> 'manual' AND u.track_source_updates = 1
  AND ${effectiveAccessSql(ident("u"), now)}
  AND u.email IS NOT NULL AND u.email <> ''`;
const eligible = (now: number) => sqlText`s.auto_send_invitations = 1 AND ${personEligible(now)}`;
/** Never invited, or the last send failed (the end-of-pass step queues that one again). */
const NOT_INVITED = sqlText`NOT EXISTS (SELECT 1 FROM invitation i WHERE i.user_id = u.id AND i.state <> 'failed')`;

function insertQueued(where: SqlText, now: number, onConflict: SqlText): SqlText {
  // SQLite needs the SELECT's WHERE for the upsert clause after it to parse.
  return sqlText`INSERT INTO invitation (user_id, facility_id, email, state, "trigger", attempts, queued_at)
    SELECT u.id, u.facility_id, u.email, 'queued', 'auto', 0, ${now}
    FROM access_user u JOIN sync_settings s ON s.facility_id = u.facility_id
    WHERE ${where} AND ${eligible(now)}
    ${onConflict}`;
}

/** After sync applied records to these rows: an invitation for each eligible one that has none. */
export function autoInvitationStatements(userIds: readonly string[], now: number): SqlText[] {
  if (userIds.length === 0) return [];
  return [
    insertQueued(
      sqlText`u.id IN (SELECT value FROM json_each(${jsonLiteral(userIds)}))`,
      now,
      sqlText`ON CONFLICT(user_id) DO NOTHING`,
    ),
  ];
}

/**
 * After a complete pass: every eligible row of that source in the facility, of the listings still
 * mirrored (an opted-out integration's members are no longer synced). Rows never invited are
 * queued (so turning Auto-send on invites everyone already synced), and a failed send is queued again
 * (its retry "at the next pass"), under the same idempotency key. Sent or queued rows are left alone.
 */
export function passInvitationStatements(input: {
  facilityId: string;
  source: SyncSource;
  /** Integration ids, or `[""]` for CCTV: the sweep scope's listings. */
  integrationKeys: readonly string[];
  now: number;
}): SqlText[] {
  if (input.integrationKeys.length === 0) return [];
  return [
    insertQueued(
      sqlText`u.facility_id = ${input.facilityId} AND u.source = ${input.source}
        AND u.integration_key IN (SELECT value FROM json_each(${jsonLiteral(input.integrationKeys)}))
        AND ${NOT_INVITED}`,
      input.now,
      sqlText`ON CONFLICT(user_id) DO UPDATE SET state = 'queued', email = excluded.email, queued_at = excluded.queued_at,
        enqueued_at = NULL, claimed_until = NULL
        WHERE invitation.state = 'failed'`,
    ),
  ];
}

/**
 * How many people the next complete pass would invite if Auto-send were on: the end-of-pass step's
 * rows (eligible, not invited or failed), of each source that is on and, for Integrations, of the
 * integrations this facility mirrors. Shown before the admin turns Auto-send on.
 */
export async function countAutoSendCandidates(handle: StoreHandle, facilityId: string, now: number): Promise<number> {
  const [row] = await handle.all<{ people: number }>(
    sqlText`SELECT count(*) AS people FROM access_user u JOIN sync_settings s ON s.facility_id = u.facility_id
    WHERE u.facility_id = ${facilityId} AND ${personEligible(now)} AND ${NOT_INVITED}
      AND (${SOURCE_ON_AND_MIRRORED})`,
  );
  return Number(row?.people ?? 0);
}

/**
 * A row `u` of a kind the facility `s` has on and, for a kind sent by connected integrations, of an
 * integration the facility mirrors (a choice that is on: the domain's isMirrored), from the registry.
 */
const SOURCE_ON_AND_MIRRORED = sqlJoin(
  SYNC_SOURCES.map((source) => {
    const on = ident(`s.${syncSettings[SOURCE_KINDS[source].switch].name}`);
    const mirrored = isIntegrationScoped(source)
      ? sqlText` AND u.integration_key IN (
          SELECT fi.integration_id FROM facility_integration fi WHERE fi.facility_id = u.facility_id AND fi.enabled = 1)`
      : sqlText``;
    return sqlText`(u.source = ${source} AND ${on} = 1${mirrored})`;
  }),
  "\n        OR ",
);
