/**
 * Opaque to clients. Carries the last id served (keyset paging), the number of the page it
 * leads to (so faults can target "page k" of one pass regardless of other traffic), and the
 * listing it belongs to (a members cursor is refused by a CCTV listing and vice versa).
 */
export interface Cursor {
  after: string;
  page: number;
}

export function encodeCursor(scope: string, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ s: scope, a: cursor.after, p: cursor.page })).toString("base64url");
}

/** Returns undefined for anything this server did not issue for this listing. */
export function decodeCursor(scope: string, raw: string): Cursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as {
      s?: unknown;
      a?: unknown;
      p?: unknown;
    };
    if (value.s !== scope || typeof value.a !== "string" || !Number.isInteger(value.p) || (value.p as number) < 2) {
      return undefined;
    }
    return { after: value.a, page: value.p as number };
  } catch {
    return undefined;
  }
}
