import Papa from "papaparse";
import { z } from "zod";
import { normaliseEmail, normalisePhone, normaliseTags } from "../sync/normalise";
import { IMPORT_COLUMNS, IMPORT_MAX_ROWS, IMPORT_TAG_SEPARATOR, type ImportField } from "./import-template";

/**
 * "Import (CSV)": reading the admin's file into people to add or update, and every line that cannot be
 * imported with its line number and reason. Pure: matching against existing users happens in the store.
 */

/** One person read from a line: names trimmed, email lower-cased, phone in E.164; null = the cell was empty. */
export type ImportPerson = {
  line: number;
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
  personType: string | null;
  membershipStatus: string | null;
  customTags: string[];
};

export type RejectedLine = { line: number; reason: string };

export type ParsedImport =
  | { ok: true; people: ImportPerson[]; rejected: RejectedLine[] }
  /** The file as a whole cannot be read (no header, unknown column, too many rows): nothing is imported. */
  | { ok: false; error: string };

const headerKey = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");
const FIELD_BY_HEADER = new Map<string, ImportField>(
  IMPORT_COLUMNS.flatMap((c) => [
    [headerKey(c.header), c.field],
    [headerKey(c.field), c.field],
  ]),
);
FIELD_BY_HEADER.set("phone", "mobilePhone");
FIELD_BY_HEADER.set("mobile", "mobilePhone");
FIELD_BY_HEADER.set("tags", "customTags");

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `${label} is longer than ${max} characters`)
    .transform((value) => (value === "" ? null : value));

function lineSchema(countryCode: string) {
  return z
    .object({
      firstName: z.string().trim().min(1, "First name is empty").max(100, "First name is longer than 100 characters"),
      lastName: z.string().trim().min(1, "Last name is empty").max(100, "Last name is longer than 100 characters"),
      email: z
        .string()
        .trim()
        .max(254, "Email is longer than 254 characters")
        .transform((value, ctx) => {
          const email = normaliseEmail(value);
          if (email.invalid) {
            ctx.addIssue({ code: "custom", message: `Email "${value}" is not a valid email address` });
            return z.NEVER;
          }
          return email.value;
        }),
      mobilePhone: z
        .string()
        .trim()
        .max(32, "Mobile phone is longer than 32 characters")
        .transform((value, ctx) => {
          const phone = normalisePhone(value, countryCode);
          if (phone.invalid) {
            ctx.addIssue({ code: "custom", message: `Mobile phone "${value}" is not a valid phone number` });
            return z.NEVER;
          }
          return phone.value;
        }),
      personType: optionalText("Person type", 60),
      membershipStatus: optionalText("Membership status", 60),
      customTags: z
        .string()
        .transform((value) => normaliseTags(value.split(IMPORT_TAG_SEPARATOR)))
        .pipe(
          z.array(z.string().max(40, "A custom tag is longer than 40 characters")).max(30, "More than 30 custom tags"),
        ),
    })
    .superRefine((person, ctx) => {
      if (!person.email && !person.mobilePhone) {
        ctx.addIssue({
          code: "custom",
          message: "Missing phone and email: people sign in with a code sent to one of them",
        });
      }
    });
}

/**
 * Reads the file with papaparse (quoted fields, embedded commas and line breaks, a byte-order mark) and
 * validates each line with zod. Line numbers are the file's own (the header is line 1), counted from
 * where each record starts, so a quoted field spanning lines does not shift the ones after it.
 * A later line with the same email or mobile phone as an earlier one is rejected as a duplicate.
 */
export function parseUserImport(csv: string, countryCode: string): ParsedImport {
  const text = csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv;
  const records: Array<{ line: number; cells: string[]; error: string | null }> = [];
  let consumed = 0;
  let line = 1;
  Papa.parse<string[]>(text, {
    skipEmptyLines: "greedy",
    step(result) {
      const end = result.meta.cursor;
      // The record starts after the line breaks that precede it (blank lines included).
      const before = text.slice(consumed, end);
      const leading = before.length - before.trimStart().length;
      line += countLineBreaks(before.slice(0, leading));
      const first = line;
      line += countLineBreaks(before.slice(leading));
      consumed = end;
      const error = result.errors[0];
      records.push({ line: first, cells: result.data, error: error ? parseErrorReason(error) : null });
    },
  });

  const header = records.shift();
  if (!header || header.cells.every((cell) => cell.trim() === ""))
    return { ok: false, error: "The file is empty: start from the template" };
  const fields: Array<ImportField | null> = [];
  for (const cell of header.cells) {
    if (cell.trim() === "") {
      fields.push(null);
      continue;
    }
    const field = FIELD_BY_HEADER.get(headerKey(cell));
    if (!field)
      return {
        ok: false,
        error: `Unknown column "${cell.trim()}" on line 1. The columns are: ${IMPORT_COLUMNS.map((c) => c.header).join(", ")}`,
      };
    if (fields.includes(field)) return { ok: false, error: `The column "${cell.trim()}" appears twice on line 1` };
    fields.push(field);
  }
  const missing = (["firstName", "lastName"] as const).filter((field) => !fields.includes(field));
  if (missing.length > 0) {
    const names = missing.map((field) => IMPORT_COLUMNS.find((c) => c.field === field)!.header);
    return {
      ok: false,
      error: `Line 1 has no ${names.join(" or ")} column. The columns are: ${IMPORT_COLUMNS.map((c) => c.header).join(", ")}`,
    };
  }
  if (!fields.includes("email") && !fields.includes("mobilePhone")) {
    return {
      ok: false,
      error: "Line 1 has neither an Email nor a Mobile phone column: people sign in with a code sent to one of them",
    };
  }
  if (records.length > IMPORT_MAX_ROWS) {
    return {
      ok: false,
      error: `The file has ${records.length.toLocaleString("en")} lines of people; import at most ${IMPORT_MAX_ROWS.toLocaleString("en")} at a time`,
    };
  }

  const schema = lineSchema(countryCode);
  const people: ImportPerson[] = [];
  const rejected: RejectedLine[] = [];
  const firstLineOf = { email: new Map<string, number>(), mobilePhone: new Map<string, number>() };
  for (const record of records) {
    if (record.error) {
      rejected.push({ line: record.line, reason: record.error });
      continue;
    }
    if (record.cells.length > fields.length && record.cells.slice(fields.length).some((cell) => cell.trim() !== "")) {
      rejected.push({
        line: record.line,
        reason: `More cells than columns (${record.cells.length} for ${fields.length})`,
      });
      continue;
    }
    const raw: Record<ImportField, string> = {
      firstName: "",
      lastName: "",
      email: "",
      mobilePhone: "",
      personType: "",
      membershipStatus: "",
      customTags: "",
    };
    fields.forEach((field, i) => {
      if (field) raw[field] = record.cells[i] ?? "";
    });
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      rejected.push({ line: record.line, reason: parsed.error.issues.map((issue) => issue.message).join("; ") });
      continue;
    }
    const person: ImportPerson = { line: record.line, ...parsed.data };
    const duplicate = (["email", "mobilePhone"] as const).find(
      (key) => person[key] !== null && firstLineOf[key].has(person[key]),
    );
    if (duplicate) {
      const label = duplicate === "email" ? "email" : "mobile phone";
      rejected.push({
        line: record.line,
        reason: `Duplicate in the file: same ${label} as line ${firstLineOf[duplicate].get(person[duplicate]!)}`,
      });
      continue;
    }
    for (const key of ["email", "mobilePhone"] as const) {
      if (person[key] !== null) firstLineOf[key].set(person[key], person.line);
    }
    people.push(person);
  }
  return { ok: true, people, rejected };
}

function countLineBreaks(text: string): number {
  // \r\n, \n and a lone \r each end one line.
  return text.match(/\r\n|\n|\r/g)?.length ?? 0;
}

function parseErrorReason(error: Papa.ParseError): string {
  if (error.code === "MissingQuotes") return "A quoted cell is never closed";
  if (error.code === "InvalidQuotes") return "A quote inside a cell is not escaped (write it as two quotes)";
  return error.message;
}
