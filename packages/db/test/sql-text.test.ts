import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { SqlText, ident, jsonLiteral, sqlJoin, sqlText } from "../src";
import { createTestDb } from "../src/testing";

const hostile = "x' OR '1'='1'; DROP TABLE access_user; --";

describe("sqlText: values enter SQL text only as literals", () => {
  it("quotes every string value, so a hostile one stays one value", async () => {
    const statement = sqlText`SELECT ${hostile} AS v, ${42} AS n, ${null} AS z, ${true} AS t`;
    expect(statement.text).toBe(
      `SELECT 'x'' OR ''1''=''1''; DROP TABLE access_user; --' AS v, 42 AS n, NULL AS z, 1 AS t`,
    );
    const db = await createTestDb();
    const [row] = await db.all<{ v: string; n: number; z: null; t: number }>(sql.raw(statement.text));
    expect(row).toEqual({ v: hostile, n: 42, z: null, t: 1 });
    expect(await db.all(sql.raw("SELECT name FROM sqlite_master WHERE name = 'access_user'"))).toHaveLength(1);
  });

  it("splices fragments built by sqlText as they are, and nothing else", () => {
    const where = sqlText`facility_id = ${"fac_1"}`;
    expect(sqlText`SELECT 1 FROM access_user WHERE ${where}`.text).toBe(
      "SELECT 1 FROM access_user WHERE facility_id = 'fac_1'",
    );
    expect(sqlJoin([sqlText`a = ${1}`, sqlText`b = ${"2"}`], " AND ").text).toBe("a = 1 AND b = '2'");
  });

  it("refuses what is not a value: a non-integer number, an object", () => {
    expect(() => sqlText`SELECT ${1.5}`).toThrow(/not an integer/);
    // @ts-expect-error an object is not a SQL value: it must go through jsonLiteral
    expect(() => sqlText`SELECT ${{ a: 1 }}`).toThrow(/not a SQL value/);
    expect(jsonLiteral({ a: "it's" }).text).toBe(`'{"a":"it''s"}'`);
  });

  it("admits an identifier only when it is one", () => {
    expect(sqlText`SELECT ${ident("u")}.id FROM access_user AS ${ident("u")}`.text).toBe(
      "SELECT u.id FROM access_user AS u",
    );
    expect(() => ident("u; DROP TABLE access_user")).toThrow(/not a SQL identifier/);
    expect(() => ident(hostile)).toThrow(/not a SQL identifier/);
  });

  it("does not type-check a statement built by splicing a value into a plain template", () => {
    const run = (statement: SqlText) => statement.text.trim();
    // @ts-expect-error a plain template literal is a string, not SqlText: the value would enter unquoted
    expect(() => run(`SELECT * FROM access_user WHERE email = '${hostile}'`)).toThrow();
    // @ts-expect-error SqlText cannot be made from a string outside sql-text.ts (its token is not exported)
    expect(() => new SqlText(Symbol("sql-text"), hostile)).toThrow(/built by sqlText/);
    expect(run(sqlText`SELECT * FROM access_user WHERE email = ${hostile}`)).toContain("'x'' OR");
  });
});
