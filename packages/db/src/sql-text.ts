/**
 * SQL built as text, through one tagged template (ADR 0017). The engine runs its set-based statements as
 * text with the data inline as literals, not as bound parameters (why: @uas/engine store-handle.ts), so a
 * value spliced in unquoted would be an injection. `sqlText` makes that impossible to write: every value
 * in a `sqlText` template is quoted as a literal, and the only other things it takes are fragments that
 * were themselves built by `sqlText`, an identifier checked by `ident`, or a literal by `json`. The
 * stores take `SqlText`, never a string, so a statement built with a plain template does not type-check.
 */

/** A piece of SQL text that only `sqlText`, `ident`, `json` and `sqlJoin` can make. */
export class SqlText {
  /** Private by convention: construct through the functions of this module. */
  private constructor(readonly text: string) {}

  /** @internal */
  static of(text: string): SqlText {
    return new SqlText(text);
  }

  toString(): string {
    return this.text;
  }
}

/** What may stand in a `sqlText` template: a value (quoted as a literal) or a fragment already built. */
export type SqlValue = string | number | boolean | null | SqlText;

export function sqlText(strings: TemplateStringsArray, ...values: readonly SqlValue[]): SqlText {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i += 1) out += literalOf(values[i] as SqlValue) + (strings[i + 1] as string);
  return SqlText.of(out);
}

function literalOf(value: SqlValue): string {
  if (value instanceof SqlText) return value.text;
  if (typeof value === "string") return text(value);
  if (typeof value === "number") return int(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value === null) return "NULL";
  throw new Error(`not a SQL value: ${typeof value}`);
}

/** Fragments joined by a separator (`, `, ` AND `, `;\n`); the separator is a constant of the caller. */
export function sqlJoin(fragments: readonly SqlText[], separator: string): SqlText {
  return SqlText.of(fragments.map((f) => f.text).join(separator));
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A table, column or alias name (optionally `alias.column`), spliced as it is after a check. */
export function ident(name: string): SqlText {
  if (!IDENTIFIER.test(name)) throw new Error(`not a SQL identifier: ${JSON.stringify(name)}`);
  return SqlText.of(name);
}

/** A value as a JSON text literal (read with json_each / ->>). */
export function jsonLiteral(value: unknown): SqlText {
  return SqlText.of(json(value));
}

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
