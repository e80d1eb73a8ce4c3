// A minimal SQLite tokenizer. libsql's prepare() silently ignores everything after the first
// statement, while Turso rejects such SQL, so statements must be counted here. Splitting follows
// sqlite3_complete()'s state machine so that `;` inside CREATE TRIGGER ... END stays in one statement.

export interface SqlInfo {
  /** The non-empty statements, in order, without their terminating `;`. */
  statements: string[];
  /** Upper-cased first word of the first statement ("SELECT", "EXPLAIN", ...). */
  firstKeyword: string;
  /** Name of each parameter slot as SQLite numbers them (index 0 is ?1); null for a bare `?`. */
  params: (string | null)[];
  /** A bare `?` makes libsql abort the process when binding by name, so it must be known. */
  hasAnonymousParams: boolean;
}

const SEMI = 0,
  WS = 1,
  OTHER = 2,
  EXPLAIN = 3,
  CREATE = 4,
  TEMP = 5,
  TRIGGER = 6,
  END = 7;
const KEYWORDS: Record<string, number> = {
  EXPLAIN,
  CREATE,
  TEMP,
  TEMPORARY: TEMP,
  TRIGGER,
  END,
};
// States: 0 start, 1 after `;`, 2 normal, 3 explain, 4 create, 5 trigger body, 6 `;` in trigger, 7 END.
const TRANSITIONS: number[][] = [
  /*          SEMI WS OTHER EXPLAIN CREATE TEMP TRIGGER END */
  /* 0 */ [1, 0, 2, 3, 4, 2, 2, 2],
  /* 1 */ [1, 1, 2, 3, 4, 2, 2, 2],
  /* 2 */ [1, 2, 2, 2, 2, 2, 2, 2],
  /* 3 */ [1, 3, 3, 2, 4, 2, 2, 2],
  /* 4 */ [1, 4, 2, 2, 2, 4, 5, 2],
  /* 5 */ [6, 5, 5, 5, 5, 5, 5, 5],
  /* 6 */ [6, 6, 5, 5, 5, 5, 5, 7],
  /* 7 */ [1, 7, 5, 5, 5, 5, 5, 5],
];

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isIdChar = (c: number) => isIdStart(c) || isDigit(c) || c === 36;

function skipQuoted(sql: string, i: number, quote: string): number {
  for (i++; i < sql.length; i++) {
    if (sql[i] === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i++; // doubled quote is an escaped quote
    }
  }
  return sql.length;
}

function scan(sql: string): SqlInfo {
  const info: SqlInfo = { statements: [], firstKeyword: "", params: [], hasAnonymousParams: false };
  const named = new Set<string>();
  let state = 0;
  let stmtStart = 0;
  let hasContent = false;
  let i = 0;
  while (i < sql.length) {
    const start = i;
    const c = sql.charCodeAt(i);
    let token = OTHER;
    if (isSpace(c)) {
      while (i < sql.length && isSpace(sql.charCodeAt(i))) i++;
      token = WS;
    } else if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end + 1;
      token = WS;
    } else if (sql.startsWith("/*", i)) {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      token = WS;
    } else if (c === 39 || c === 34 || c === 96) {
      i = skipQuoted(sql, i, sql[i]!);
    } else if (c === 91) {
      const end = sql.indexOf("]", i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === 59) {
      i++;
      token = SEMI;
    } else if (c === 63) {
      i++;
      while (i < sql.length && isDigit(sql.charCodeAt(i))) i++;
      if (i === start + 1) {
        info.hasAnonymousParams = true;
        info.params.push(null);
      } else {
        const index = Number(sql.slice(start + 1, i));
        while (info.params.length < index) info.params.push(null);
        info.params[index - 1] = sql.slice(start, i);
      }
    } else if ((c === 58 || c === 64 || c === 36) && isIdChar(sql.charCodeAt(i + 1))) {
      i++;
      while (i < sql.length && isIdChar(sql.charCodeAt(i))) i++;
      const name = sql.slice(start, i);
      if (!named.has(name)) {
        named.add(name);
        info.params.push(name);
      }
    } else if (isIdStart(c)) {
      while (i < sql.length && isIdChar(sql.charCodeAt(i))) i++;
      const word = sql.slice(start, i).toUpperCase();
      token = KEYWORDS[word] ?? OTHER;
      if (info.firstKeyword === "" && info.statements.length === 0 && !hasContent) {
        info.firstKeyword = word;
      }
    } else {
      i++;
    }

    if (token !== WS && token !== SEMI) hasContent = true;
    state = TRANSITIONS[state]![token]!;
    if (token === SEMI && state === 1) {
      if (hasContent) info.statements.push(sql.slice(stmtStart, start).trim());
      stmtStart = i;
      hasContent = false;
    }
  }
  if (hasContent) info.statements.push(sql.slice(stmtStart).trim());
  return info;
}

const cache = new Map<string, SqlInfo>();
const CACHE_LIMIT = 1000;

export function analyzeSql(sql: string): SqlInfo {
  let info = cache.get(sql);
  if (info === undefined) {
    info = scan(sql);
    // Huge one-off SQL (inlined bulk values) is not worth keeping around.
    if (sql.length <= 5000) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(sql, info);
    }
  }
  return info;
}
