/** drizzle wraps driver errors; the SQLite message is on the cause chain. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(e.message)) return true;
    if ((e as { code?: string }).code?.startsWith("SQLITE_CONSTRAINT_UNIQUE")) return true;
  }
  return false;
}
