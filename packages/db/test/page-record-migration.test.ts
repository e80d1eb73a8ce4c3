import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/libsql/migrator";
import { PROCESSED_NOTES } from "@uas/domain";
import { createNodeDb, migrationsFolder } from "../src/node";
import { createFacility } from "../src/testing";
import { listPassActivity } from "../src";

/** The migrations up to and including `lastTag`, as a folder of their own. */
function migrationsUpTo(lastTag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "uas-migrations-"));
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalFile = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  expect(last).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/**
 * ADR 0019 ("a record names the people it met"): page records written as two lists, with their anchors'
 * ids, read the same after migrations 0021–0022.
 */
describe("migrations 0021 and 0022 (page records as one list of the people met)", () => {
  const cleanup: string[] = [];
  afterEach(() => {
    for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("keep every derived entry's id, person and note, and who each page met, through references too", async () => {
    const before = migrationsUpTo("0020_page_records_same_as");
    cleanup.push(before);
    const db = createNodeDb({ url: ":memory:" });
    await migrate(db, { migrationsFolder: before });
    const facility = await createFacility(db);
    const note = PROCESSED_NOTES[0]!;
    for (const [id, at] of [
      ["pas_one", 1000],
      ["pas_two", 2000],
    ] as const)
      await db.run(sql`INSERT INTO sync_pass (id, facility_id, source, trigger, state, started_at)
        VALUES (${id}, ${facility.id}, 'integration', 'nightly', 'complete', ${at})`);
    // Anchors of repeated Skipped entries: written Skipped entries of an earlier pass.
    await db.run(sql`INSERT INTO activity_entry (id, at, organisation_id, facility_id, source, external_id, name, outcome, reason)
      SELECT value, 500, ${facility.organisationId}, ${facility.id}, 'integration', 'S-' || value, 'Skip ' || value,
        'skipped', 'No email' FROM json_each('[90,105,106,107]')`);
    // Derived people first (one with a known note by index, one with a sentence), then the rest; the
    // second night's record names the first's.
    await db.run(sql`INSERT INTO sync_pass_page (pass_id, integration_key, page_key, at, organisation_id, facility_id,
        source, processed, listed, first_entry_id, processed_count, repeated, repeated_count, same_as_pass)
      VALUES ('pas_one', 'int', '', 1000, ${facility.organisationId}, ${facility.id}, 'integration',
          '["Z-1",["B-2",0],["A-3","Some other note"]]', '["Y-4","C-5"]', 10, 3, '[105,106,107,90]', 4, NULL),
        ('pas_two', 'int', '', 2000, ${facility.organisationId}, ${facility.id}, 'integration',
          '[]', '[]', 20, 3, '[106]', 1, 'pas_one')`);
    const derivedBefore = [...(await listPassActivity(db, "pas_one")), ...(await listPassActivity(db, "pas_two"))];

    await migrate(db, { migrationsFolder });
    const stored = await db.all<{
      met: string;
      notDerived: string;
      notes: string;
      sameAs: string | null;
      repeated: string;
    }>(
      sql`SELECT met, not_derived AS notDerived, notes, same_as_pass AS sameAs, repeated FROM sync_pass_page ORDER BY at`,
    );
    expect(stored).toEqual([
      {
        met: '["Z-1","B-2","A-3","Y-4","C-5"]',
        notDerived: "[3,4]",
        notes: '[[1,0],[2,"Some other note"]]',
        sameAs: null,
        repeated: "[105,1,1,-17]",
      },
      {
        met: "[]",
        notDerived: "[3,4]",
        notes: '[[1,0],[2,"Some other note"]]',
        sameAs: "pas_one",
        repeated: "[106]",
      },
    ]);
    const derivedAfter = [...(await listPassActivity(db, "pas_one")), ...(await listPassActivity(db, "pas_two"))];
    expect(derivedAfter).toEqual(derivedBefore);
    expect(derivedAfter.map((e) => [e.id, e.externalId, e.reason])).toEqual([
      [10, "Z-1", null],
      [11, "B-2", note],
      [12, "A-3", "Some other note"],
      [13, "S-105", "No email"],
      [14, "S-106", "No email"],
      [15, "S-107", "No email"],
      [16, "S-90", "No email"],
      [20, "Z-1", null],
      [21, "B-2", note],
      [22, "A-3", "Some other note"],
      [23, "S-106", "No email"],
    ]);
    const met = await db.all<{ met: string }>(sql`SELECT met FROM sync_pass_page_lists ORDER BY at`);
    expect(met.map((r) => JSON.parse(r.met))).toEqual(Array(2).fill(["Z-1", "B-2", "A-3", "Y-4", "C-5"]));
    db.$client.close();
  });
});
