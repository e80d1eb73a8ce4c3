/** "Import (CSV)"'s file format: what the template holds and the import reads (no parser here: the admin app uses it too). */

/** The template's columns, in order, named as the help page names the fields. */
export const IMPORT_COLUMNS = [
  { field: "firstName", header: "First name" },
  { field: "lastName", header: "Last name" },
  { field: "email", header: "Email" },
  { field: "mobilePhone", header: "Mobile phone" },
  { field: "personType", header: "Person type" },
  { field: "membershipStatus", header: "Membership status" },
  { field: "customTags", header: "Custom tags" },
] as const;
export type ImportField = (typeof IMPORT_COLUMNS)[number]["field"];

/** Tags within the Custom tags cell. */
export const IMPORT_TAG_SEPARATOR = ";";
export const IMPORT_MAX_ROWS = 20_000;

export const IMPORT_TEMPLATE_CSV = `${[
  IMPORT_COLUMNS.map((c) => c.header).join(","),
  "Ada,Lovelace,ada@example.com,+447700900123,Member,Active,Pool; Early bird",
  "Grace,Hopper,,07700 900456,Staff,,",
].join("\r\n")}\r\n`;
