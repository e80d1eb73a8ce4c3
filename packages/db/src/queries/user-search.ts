import { sql, type SQL } from "drizzle-orm";

/**
 * The User Access search's index: a trigram FTS5 table over each person's name, email, external id and
 * phone, keyed by access_user's rowid and kept by triggers (migration 0014 holds this text;
 * test/user-search.test.ts checks it still does). Contentless: it stores trigrams, not a second copy of
 * the text. A search word of three characters or more is a lookup in it instead of a scan of the facility.
 * (access_user has indexes, so VACUUM's table copy keeps its rowids.)
 */
const SEARCH_COLUMNS = ["first_name", "last_name", "email", "external_id", "mobile_phone"] as const;

/** The columns a search word may match (the phone is searched by its digits only). */
const WORD_COLUMNS = "{first_name last_name email external_id}";

/** The shortest word the trigram index can look up. */
const TRIGRAM = 3;

export function userSearchStatements(): string[] {
  const columns = SEARCH_COLUMNS.join(", ");
  const values = SEARCH_COLUMNS.map((column) => `coalesce(NEW.${column}, '')`).join(", ");
  const insert = `INSERT INTO access_user_search (rowid, ${columns}) VALUES (NEW.rowid, ${values});`;
  const changed = SEARCH_COLUMNS.map((column) => `NEW.${column} IS NOT OLD.${column}`).join(" OR ");
  return [
    `CREATE VIRTUAL TABLE access_user_search USING fts5(${columns}, tokenize = 'trigram', content = '', contentless_delete = 1)`,
    `CREATE TRIGGER access_user_search_insert AFTER INSERT ON access_user BEGIN
  ${insert}
END`,
    `CREATE TRIGGER access_user_search_update AFTER UPDATE OF ${columns} ON access_user WHEN ${changed} BEGIN
  DELETE FROM access_user_search WHERE rowid = OLD.rowid;
  ${insert}
END`,
    `CREATE TRIGGER access_user_search_delete AFTER DELETE ON access_user BEGIN
  DELETE FROM access_user_search WHERE rowid = OLD.rowid;
END`,
  ];
}

const phrase = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The search as a lookup in the trigram index: every word in one of the name, email or external id
 * columns (case-insensitive substrings, as LIKE matched them), or the phone digits in the phone. Undefined
 * when a word (or the digits) is too short for trigrams: the caller then scans.
 */
export function userSearchLookup(words: readonly string[], phoneDigits: string | null | undefined): SQL | undefined {
  if (words.length === 0 || words.some((word) => [...word].length < TRIGRAM)) return undefined;
  if (phoneDigits && phoneDigits.length < TRIGRAM) return undefined;
  const byWords = words.map((word) => `${WORD_COLUMNS} : ${phrase(word)}`).join(" AND ");
  const query = phoneDigits ? `(${byWords}) OR mobile_phone : ${phrase(phoneDigits)}` : byWords;
  return sql`access_user.rowid IN (SELECT rowid FROM access_user_search WHERE access_user_search MATCH ${query})`;
}
