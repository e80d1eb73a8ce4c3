import { describe, expect, it } from "vitest";
import { IMPORT_TEMPLATE_CSV } from "./import-template";
import { parseUserImport } from "./user-import";

const parse = (csv: string) => parseUserImport(csv, "GB");

describe("parseUserImport", () => {
  it("reads the template: both example people, phone in E.164, tags split and sorted", () => {
    const result = parse(IMPORT_TEMPLATE_CSV);
    expect(result).toEqual({
      ok: true,
      rejected: [],
      people: [
        {
          line: 2,
          firstName: "Ada",
          lastName: "Lovelace",
          email: "ada@example.com",
          mobilePhone: "+447700900123",
          personType: "Member",
          membershipStatus: "Active",
          customTags: ["Early bird", "Pool"],
        },
        {
          line: 3,
          firstName: "Grace",
          lastName: "Hopper",
          email: null,
          mobilePhone: "+447700900456",
          personType: "Staff",
          membershipStatus: null,
          customTags: [],
        },
      ],
    });
  });

  it("rejects each bad line with its line number and reason, and keeps the good ones", () => {
    const csv = [
      "First name,Last name,Email,Mobile phone",
      "Ann,One,ann@example.com,",
      "Bob,Two,,",
      "Cat,Three,cat-at-example,",
      "Dan,Four,ANN@example.com,",
      "Eve,Five,,12",
      ",Six,six@example.com,",
      "Fay,Seven,fay@example.com,07700 900789",
      "Gus,Eight,,+44 7700 900789",
    ].join("\n");
    const result = parse(csv);
    if (!result.ok) throw new Error(result.error);
    expect(result.people.map((p) => p.line)).toEqual([2, 8]);
    expect(result.rejected).toEqual([
      { line: 3, reason: "Missing phone and email: people sign in with a code sent to one of them" },
      { line: 4, reason: 'Email "cat-at-example" is not a valid email address' },
      { line: 5, reason: "Duplicate in the file: same email as line 2" },
      { line: 6, reason: 'Mobile phone "12" is not a valid phone number' },
      { line: 7, reason: "First name is empty" },
      { line: 9, reason: "Duplicate in the file: same mobile phone as line 8" },
    ]);
  });

  it("counts lines from where each record starts: quoted line breaks and blank lines do not shift them", () => {
    const csv =
      'First name,Last name,Email\r\n"Ann\r\nMarie",One,ann@example.com\r\n\r\nBob,Two,bad\r\n"Cat,Three,cat@example.com\r\n';
    const result = parse(csv);
    if (!result.ok) throw new Error(result.error);
    expect(result.people).toMatchObject([{ line: 2, firstName: "Ann\r\nMarie" }]);
    expect(result.rejected).toEqual([
      { line: 5, reason: 'Email "bad" is not a valid email address' },
      { line: 6, reason: "A quoted cell is never closed" },
    ]);
  });

  it("accepts a byte-order mark, any header case and snake_case, in any order", () => {
    const result = parse("\ufefflast_name,EMAIL,First Name\nOne,ann@example.com,Ann\n");
    expect(result).toMatchObject({
      ok: true,
      people: [{ line: 2, firstName: "Ann", lastName: "One", email: "ann@example.com" }],
    });
  });

  it("refuses the whole file for an unknown column, a missing name column, no contact column, or nothing at all", () => {
    expect(parse("First name,Last name,Emial\nAnn,One,ann@example.com")).toEqual({
      ok: false,
      error:
        'Unknown column "Emial" on line 1. The columns are: First name, Last name, Email, Mobile phone, Person type, Membership status, Custom tags',
    });
    expect(parse("First name,Email\nAnn,ann@example.com")).toMatchObject({
      ok: false,
      error: expect.stringContaining("Line 1 has no Last name column"),
    });
    expect(parse("First name,Last name\nAnn,One")).toMatchObject({
      ok: false,
      error: expect.stringContaining("neither an Email nor a Mobile phone"),
    });
    expect(parse("")).toEqual({ ok: false, error: "The file is empty: start from the template" });
  });

  it("rejects a line with more cells than columns", () => {
    const result = parse("First name,Last name,Email\nAnn,One,ann@example.com,extra\n");
    expect(result).toMatchObject({
      ok: true,
      people: [],
      rejected: [{ line: 2, reason: "More cells than columns (4 for 3)" }],
    });
  });
});
