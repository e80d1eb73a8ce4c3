import { sql } from "drizzle-orm";
import type { Db } from "../database";

export type ThrottleCount = { key: string; failures: number; windowStartedAt: number };

/**
 * Counts one sign-in attempt against each key, before the password is checked, in one statement: two
 * concurrent attempts cannot both read a count below the limit. A key whose window has ended starts
 * a new one. Returns every key's count including this attempt.
 */
export async function countSignInAttempt(
  db: Db,
  input: { keys: string[]; now: number; windowMs: number },
): Promise<ThrottleCount[]> {
  if (input.keys.length === 0) return [];
  const expired = input.now - input.windowMs;
  const { rows } = await db.$client.execute({
    sql: `INSERT INTO sign_in_throttle (key, window_started_at, failures)
      SELECT value, ?, 1 FROM json_each(?) WHERE true
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN window_started_at <= ? THEN 1 ELSE failures + 1 END,
        window_started_at = CASE WHEN window_started_at <= ? THEN excluded.window_started_at ELSE window_started_at END
      RETURNING key, failures, window_started_at`,
    args: [input.now, JSON.stringify(input.keys), expired, expired],
  });
  return rows.map((row) => ({
    key: String(row.key),
    failures: Number(row.failures),
    windowStartedAt: Number(row.window_started_at),
  }));
}

/**
 * Gives back attempts that were not failed guesses: `forget` keys are cleared (the account signed in),
 * `refund` keys lose the one attempt counted for this request.
 */
export async function refundSignInAttempt(db: Db, input: { forget: string[]; refund: string[] }): Promise<void> {
  const statements = [];
  if (input.forget.length > 0) {
    statements.push({
      sql: "DELETE FROM sign_in_throttle WHERE key IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify(input.forget)],
    });
  }
  if (input.refund.length > 0) {
    statements.push({
      sql: "UPDATE sign_in_throttle SET failures = max(failures - 1, 0) WHERE key IN (SELECT value FROM json_each(?))",
      args: [JSON.stringify(input.refund)],
    });
  }
  if (statements.length > 0) await db.$client.batch(statements, "write");
}

/** Deletes windows that ended before `before`, at most `limit` a call (cron housekeeping). */
export async function pruneSignInThrottle(
  db: Db,
  input: { before: number; limit: number },
): Promise<{ deleted: number }> {
  const result = await db.run(sql`DELETE FROM sign_in_throttle WHERE key IN (
    SELECT key FROM sign_in_throttle WHERE window_started_at < ${input.before} ORDER BY window_started_at LIMIT ${input.limit})`);
  return { deleted: result.rowsAffected };
}
