import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

// Speed is a benchmark's job; this test checks the three paths agree on the rows and prints what it saw.
it("1,000 sequential executes, a batch of 100 multi-row inserts and a full read agree on the rows", async () => {
  const db = t.client();
  await db.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)");

  let start = performance.now();
  for (let i = 0; i < 1000; i++) {
    await db.execute({ sql: "INSERT INTO bench (a, b) VALUES (?, ?)", args: [`row ${i}`, i] });
  }
  const sequentialMs = performance.now() - start;

  const rowsPerStatement = 50;
  const placeholders = Array.from({ length: rowsPerStatement }, () => "(?, ?)").join(", ");
  const statements = Array.from({ length: 100 }, (_, s) => ({
    sql: `INSERT INTO bench (a, b) VALUES ${placeholders}`,
    args: Array.from({ length: rowsPerStatement }, (_, r) => [`batch ${s}/${r}`, r]).flat(),
  }));
  start = performance.now();
  await db.batch(statements, "write");
  const batchMs = performance.now() - start;

  start = performance.now();
  const all = await db.execute("SELECT * FROM bench");
  const readMs = performance.now() - start;

  console.log(
    `libsql-http throughput: 1000 sequential executes in ${sequentialMs.toFixed(0)} ms ` +
      `(${((1000 / sequentialMs) * 1000).toFixed(0)}/s); batch of 100 x ${rowsPerStatement}-row inserts in ${batchMs.toFixed(0)} ms ` +
      `(${((5000 / batchMs) * 1000).toFixed(0)} rows/s); read ${all.rows.length} rows in ${readMs.toFixed(0)} ms`,
  );
  expect(all.rows).toHaveLength(6000);
  expect(all.rows.filter((row) => String(row.a).startsWith("batch "))).toHaveLength(5000);
}, 120_000);
