import type { InStatement } from "@libsql/client";
import { INTEGRATION_SOURCE } from "@uas/domain";
import type { Db } from "../database";
import type { IntegrationSystem } from "../schema";
import { DISCONNECTED_API_KEY } from "./integrations";

/**
 * The delta poll's state per integration and club (`source_poll_state`, docs/adr/0018-abc-ignite-polling.md).
 * The rules (when a club is due, its window, how a poll ends) are the domain's `poll-window.ts`; these
 * statements only store their outcome, set-based: one statement per cron, one batch per poll step.
 */

export type PollStateRow = {
  integrationId: string;
  locationId: string;
  watermarkMs: number;
  checkedAtMs: number | null;
  leaseUntilMs: number | null;
  lastError: string | null;
  windowSinceMs: number | null;
  windowUntilMs: number | null;
  cursor: string | null;
};

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const str = (value: unknown) => (value === null || value === undefined ? null : String(value));

function rowOf(row: Record<string, unknown>): PollStateRow {
  return {
    integrationId: String(row.integration_id),
    locationId: String(row.location_id),
    watermarkMs: Number(row.watermark_ms),
    checkedAtMs: num(row.checked_at_ms),
    leaseUntilMs: num(row.lease_until_ms),
    lastError: str(row.last_error),
    windowSinceMs: num(row.window_since_ms),
    windowUntilMs: num(row.window_until_ms),
    cursor: str(row.cursor),
  };
}

const COLUMNS = `integration_id, location_id, watermark_ms, checked_at_ms, lease_until_ms, last_error,
  window_since_ms, window_until_ms, cursor`;

/**
 * A poll state for every mapped club of a connected polled integration that has none yet, its watermark
 * the start of the facility's last complete full pass (the domain's `initialPollState`: everything changed
 * before it was listed), else now (the first full pass will list everyone).
 */
export async function ensurePollStates(db: Db, input: { systems: IntegrationSystem[]; now: number }) {
  if (input.systems.length === 0) return;
  await db.$client.execute({
    sql: `INSERT INTO source_poll_state (integration_id, location_id, watermark_ms)
      SELECT il.integration_id, il.location_id,
        COALESCE((SELECT MAX(p.started_at) FROM sync_pass p
          WHERE p.facility_id = il.facility_id AND p.source = ? AND p.state = 'complete'
            AND p.trigger IN ('nightly', 'manual')), ?)
      FROM integration_location il JOIN integration i ON i.id = il.integration_id
      WHERE i.system IN (SELECT value FROM json_each(?)) AND i.api_key != ?
      ON CONFLICT DO NOTHING`,
    args: [INTEGRATION_SOURCE, input.now, JSON.stringify(input.systems), DISCONNECTED_API_KEY],
  });
}

/** Poll states whose lease is free and whose club is still on a connected integration's map (at most `limit`). */
export async function listFreePollStates(db: Db, input: { now: number; limit: number }): Promise<PollStateRow[]> {
  const { rows } = await db.$client.execute({
    sql: `SELECT ${COLUMNS} FROM source_poll_state s
      WHERE (s.lease_until_ms IS NULL OR s.lease_until_ms <= ?)
        AND EXISTS (SELECT 1 FROM integration_location il JOIN integration i ON i.id = il.integration_id
          WHERE il.integration_id = s.integration_id AND il.location_id = s.location_id AND i.api_key != ?)
      ORDER BY s.checked_at_ms IS NOT NULL, s.checked_at_ms LIMIT ?`,
    args: [input.now, DISCONNECTED_API_KEY, input.limit],
  });
  return rows.map((row) => rowOf(row as unknown as Record<string, unknown>));
}

export type PollLease = {
  integrationId: string;
  locationId: string;
  leaseUntilMs: number;
  windowSinceMs: number;
  windowUntilMs: number;
};

/**
 * Leases the clubs the cron found due, in one statement; a club another cron leased meanwhile is not
 * returned (the lease is re-checked), so each window is sent once.
 */
export async function leasePolls(db: Db, leases: PollLease[], now: number): Promise<PollLease[]> {
  if (leases.length === 0) return [];
  const { rows } = await db.$client.execute({
    sql: `UPDATE source_poll_state SET lease_until_ms = v.lease, window_since_ms = v.since,
        window_until_ms = v.until, cursor = NULL
      FROM (SELECT json_extract(value, '$.integrationId') AS i, json_extract(value, '$.locationId') AS l, json_extract(value, '$.leaseUntilMs') AS lease,
        json_extract(value, '$.windowSinceMs') AS since, json_extract(value, '$.windowUntilMs') AS until FROM json_each(?)) AS v
      WHERE source_poll_state.integration_id = v.i AND source_poll_state.location_id = v.l
        AND (source_poll_state.lease_until_ms IS NULL OR source_poll_state.lease_until_ms <= ?)
      RETURNING integration_id, location_id, lease_until_ms, window_since_ms, window_until_ms`,
    args: [JSON.stringify(leases), now],
  });
  return rows.map((row) => ({
    integrationId: String(row.integration_id),
    locationId: String(row.location_id),
    leaseUntilMs: Number(row.lease_until_ms),
    windowSinceMs: Number(row.window_since_ms),
    windowUntilMs: Number(row.window_until_ms),
  }));
}

/** One club's poll state with what the poll step needs of its integration; null when either is gone. */
export async function findPollTarget(db: Db, key: { integrationId: string; locationId: string }) {
  const { rows } = await db.$client.execute({
    sql: `SELECT ${COLUMNS.replace(/(\w+)/g, "s.$1")}, i.organisation_id, i.system, i.base_url, i.credentials, i.api_key
      FROM source_poll_state s JOIN integration i ON i.id = s.integration_id
      WHERE s.integration_id = ? AND s.location_id = ?`,
    args: [key.integrationId, key.locationId],
  });
  const row = rows[0] as unknown as Record<string, unknown> | undefined;
  if (!row) return null;
  return {
    state: rowOf(row),
    organisationId: String(row.organisation_id),
    system: String(row.system) as IntegrationSystem,
    baseUrl: String(row.base_url),
    credentials: str(row.credentials),
    connected: row.api_key !== DISCONNECTED_API_KEY,
  };
}

/** What a poll step stores: the window's changes as inbox rows, and where the poll stands after them. */
export type PollStepCommit = {
  key: { integrationId: string; locationId: string };
  /** The poll's identity: nothing is written to a state a newer poll has leased since. */
  windowUntilMs: number;
  inbox: {
    sender: string;
    organisationId: string;
    receivedAt: number;
    events: { webhookId: string; payload: string }[];
  };
  /** More pages: the cursor to go on from. Done: the state `endPoll` gave. */
  next:
    | { kind: "more"; cursor: string }
    | { kind: "done"; watermarkMs: number; checkedAtMs: number | null; lastError: string | null };
};

const INBOX_ROWS_PER_STATEMENT = 200;

/**
 * The inbox rows (a re-read window inserts nothing new: `ON CONFLICT DO NOTHING`) and the state, in one
 * write transaction, so the watermark never moves past a change that is not stored. Returns the ids of
 * the rows that are new (to hand to the apply queue) and whether the state was still this poll's.
 */
export async function commitPollStep(
  db: Db,
  commit: PollStepCommit,
): Promise<{ insertedIds: string[]; current: boolean }> {
  const { inbox, key } = commit;
  const statements: InStatement[] = [];
  for (let i = 0; i < inbox.events.length; i += INBOX_ROWS_PER_STATEMENT) {
    const slice = inbox.events.slice(i, i + INBOX_ROWS_PER_STATEMENT);
    statements.push({
      sql: `INSERT INTO webhook_inbox (sender, webhook_id, organisation_id, received_at, payload, state, attempts)
        VALUES ${slice.map(() => "(?, ?, ?, ?, ?, 'received', 0)").join(", ")}
        ON CONFLICT DO NOTHING RETURNING webhook_id`,
      args: slice.flatMap((event) => [
        inbox.sender,
        event.webhookId,
        inbox.organisationId,
        inbox.receivedAt,
        event.payload,
      ]),
    });
  }
  const { next } = commit;
  statements.push(
    next.kind === "more"
      ? {
          sql: `UPDATE source_poll_state SET cursor = ?
            WHERE integration_id = ? AND location_id = ? AND window_until_ms = ?`,
          args: [next.cursor, key.integrationId, key.locationId, commit.windowUntilMs],
        }
      : {
          sql: `UPDATE source_poll_state SET watermark_ms = ?, checked_at_ms = ?, last_error = ?,
              lease_until_ms = NULL, cursor = NULL
            WHERE integration_id = ? AND location_id = ? AND window_until_ms = ?`,
          args: [
            next.watermarkMs,
            next.checkedAtMs,
            next.lastError,
            key.integrationId,
            key.locationId,
            commit.windowUntilMs,
          ],
        },
  );
  const results = await db.$client.batch(statements, "write");
  const insertedIds = results.slice(0, -1).flatMap((result) => result.rows.map((row) => String(row.webhook_id)));
  return { insertedIds, current: (results.at(-1)?.rowsAffected ?? 0) > 0 };
}

/** A failed poll: the watermark stays, the reason is kept for Sync settings, the club is free for the next cron. */
export async function failPoll(
  db: Db,
  key: { integrationId: string; locationId: string },
  windowUntilMs: number,
  reason: string,
) {
  await db.$client.execute({
    sql: `UPDATE source_poll_state SET lease_until_ms = NULL, cursor = NULL, last_error = ?
      WHERE integration_id = ? AND location_id = ? AND window_until_ms = ?`,
    args: [reason.slice(0, 500), key.integrationId, key.locationId, windowUntilMs],
  });
}

/** How fresh each polled club of these integrations is (Sync settings). */
/** The poll states of these integrations, each with its integration's sealed credentials (the club's time zone is among them). */
export async function listPollStates(
  db: Db,
  integrationIds: string[],
): Promise<Array<PollStateRow & { credentials: string | null }>> {
  if (integrationIds.length === 0) return [];
  const { rows } = await db.$client.execute({
    sql: `SELECT ${COLUMNS.replace(/(\w+)/g, "s.$1")}, i.credentials FROM source_poll_state s
      JOIN integration i ON i.id = s.integration_id
      WHERE s.integration_id IN (SELECT value FROM json_each(?))`,
    args: [JSON.stringify(integrationIds)],
  });
  return rows.map((row) => {
    const record = row as unknown as Record<string, unknown>;
    return { ...rowOf(record), credentials: str(record.credentials) };
  });
}
