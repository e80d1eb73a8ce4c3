import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import { startLibsqlHttpServer, type LibsqlHttpServer } from "@uas/libsql-http";
import type { Db } from "@uas/db";
import { createNodeDb, migrateDb } from "@uas/db/node";
import { createSyncedFacility } from "@uas/db/testing";
import { advancePass, startPass } from "../src";
import { listingsOf, memoryListing } from "../src/testing";
import { T, members, rowsByExternalId, syncedThenSecondPass } from "./sync-helpers";

/**
 * A pass step's database requests over libSQL's remote protocol (the local endpoint the Worker uses):
 * what a Worker's subrequests are. Counted at the client's fetch.
 */
let dir: string;
let server: LibsqlHttpServer;
let db: Db;
const requests = { count: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "uas-step-http-"));
  const file = join(dir, "test.db");
  const local = createNodeDb({ url: `file:${file}` });
  await migrateDb(local);
  local.$client.close();
  server = await startLibsqlHttpServer({ file, port: 0 });
  const counting = (...args: Parameters<typeof fetch>) => {
    requests.count += 1;
    return fetch(...args);
  };
  db = drizzle({
    client: createClient({ url: server.url, authToken: server.authToken, fetch: counting }),
  }) as unknown as Db;
});

afterAll(async () => {
  db.$client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const secondPass = (count: number) => syncedThenSecondPass(db, count);

/** One step over `records` (pages of `pageSize`), counting its database requests. */
async function countedStep(input: { integrationId: string; passId: string; records: unknown[]; pageSize: number }) {
  const before = requests.count;
  const result = await advancePass({
    db,
    passId: input.passId,
    listingFor: listingsOf({ [input.integrationId]: memoryListing(input.records, { pageSize: input.pageSize }) }),
    maxPages: 5,
    now: T + 2000,
  });
  // The stream closes after the last response: let its request (if any) be counted too.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { result, requests: requests.count - before };
}

const removed = async (facilityId: string) =>
  [...(await rowsByExternalId(db, facilityId)).entries()]
    .filter(([, row]) => row.removedAtSourceAt !== null)
    .map(([id]) => id);

describe("a pass step's database requests over HTTP", () => {
  it("a one-page step that ends the pass: the opening, BEGIN with the reads, the writes with the sweep, the end with COMMIT", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const step = await countedStep({
      integrationId: integration.id,
      passId: pass.id,
      records: members(20).slice(0, 18),
      pageSize: 50,
    });
    expect(step.result.pass).toMatchObject({ state: "complete", disabled: 2, recordsDone: 18 });
    expect(step.requests).toBe(4);
    expect(await removed(facility.id)).toEqual(["M-018", "M-019"]);
  });

  it("each further page costs one request: its writes go with the next page's rows", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const step = await countedStep({
      integrationId: integration.id,
      passId: pass.id,
      records: members(20).slice(0, 18),
      pageSize: 6,
    });
    expect(step.result.pass).toMatchObject({ state: "complete", disabled: 2, pagesDone: 3 });
    expect(step.requests).toBe(6);
    expect(await removed(facility.id)).toEqual(["M-018", "M-019"]);
  });

  it("a held pass reads its sample too, and disables nobody", async () => {
    const { facility, integration, pass } = await secondPass(40);
    const step = await countedStep({
      integrationId: integration.id,
      passId: pass.id,
      records: members(40).slice(0, 30),
      pageSize: 50,
    });
    expect(step.result.pass).toMatchObject({ state: "held", heldCount: 10, disabled: 0 });
    expect(step.requests).toBe(5);
    expect(await removed(facility.id)).toEqual([]);
  });

  it("a pass start: BEGIN with the reads, the insert with COMMIT", async () => {
    const { facility } = await createSyncedFacility(db);
    const before = requests.count;
    const { started } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "manual",
      now: T,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toBe(true);
    expect(requests.count - before).toBe(2);
  });
});
