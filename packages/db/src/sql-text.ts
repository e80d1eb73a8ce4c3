/** SQL literals for statements built as text (see @uas/engine store-handle.ts for why text). */

/**
 * A SQL string literal. Single quotes are the only character SQLite needs escaped inside one; a NUL
 * cannot be in one at all (the SQL is read as a C string, so the statement would end there: a partner's
 * id with a NUL made every apply of its event fail), so it is spliced in as `char(0)`.
 */
export function text(value: string | null): string {
  if (value === null) return "NULL";
  // Most pages hold no quote: skip the copy a replace would make of a page-sized string.
  const literal = (part: string) => `'${part.includes("'") ? part.replaceAll("'", "''") : part}'`;
  return value.includes("\u0000") ? `(${value.split("\u0000").map(literal).join(" || char(0) || ")})` : literal(value);
}

export function int(value: number | null): string {
  if (value === null) return "NULL";
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/**
 * JSON text as a literal: JSON.stringify escapes control characters, so the literal is plain text. It
 * also escapes unpaired surrogates (`\ud83d`), which SQLite's JSON functions would decode to invalid
 * UTF-8 the database cannot read back; those become U+FFFD (sources' strings are already well-formed,
 * this keeps any other writer from storing bytes nobody can read).
 */
export function json(value: unknown): string {
  const encoded = JSON.stringify(value);
  return text(
    encoded.includes("\\ud") ? encoded.replace(/(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g, "$1\\ufffd") : encoded,
  );
}
