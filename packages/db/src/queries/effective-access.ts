import { sql, type SQL } from "drizzle-orm";

/**
 * Effective access, the ONE definition everything that says "Has access" / "No access" uses: the User
 * Access tiles and Access filter, who "Send invitations…" and auto-send invite, and the invitation
 * consumer's last check before sending. product-rules.md: the "Access enabled" switch on AND not removed
 * at the source. Access rules, grants and grace extend it here and nowhere else.
 *
 * `user` is the alias (or table name) the statement gives `access_user`. The text form is for the
 * engine's scripts, which are plain SQL strings; drizzle queries take `effectiveAccessSql`.
 */
export function effectiveAccessCondition(user: string = "u"): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(user)) throw new Error(`not an SQL alias: ${user}`);
  return `(${user}.access_enabled = 1 AND ${user}.removed_at_source_at IS NULL)`;
}

export function effectiveAccessSql(user: string = "u"): SQL {
  return sql.raw(effectiveAccessCondition(user));
}
