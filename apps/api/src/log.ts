/**
 * What a log line may say about an error: its kind and the database's own message, never the SQL
 * text or bound values a driver error carries (they hold people's names, emails and phones).
 */
export function errorSummary(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 4; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    const message = e.message.startsWith("Failed query:") ? "query failed" : e.message.split("\n")[0]!.slice(0, 200);
    parts.push(`${e.name}${typeof code === "string" ? ` ${code}` : ""}: ${message}`);
  }
  return parts.length > 0 ? parts.join(" <- ") : String(error).slice(0, 200);
}
