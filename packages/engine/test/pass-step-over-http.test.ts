import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import type { Db } from "@uas/db";
import { createSyncedFacility } from "@uas/db/testing";
import { advancePass, startPass } from "../src";
import { listingsOf, memoryListing } from "../src/testing";
import { startHttpDatabase } from "./http-database";
import { T, members, removedIds, syncedThenSecondPass } from "./sync-helpers";

/**
 * A pass step's database requests over libSQL's remote protocol (the local endpoint the Worker uses):
 * what a Worker's subrequests are. Counted at the client's fetch.
 */
let database: Awaited<ReturnType<typeof startHttpDatabase>>;
let db: Db;
const requests = { count: 0 };

beforeAll(async () => {
  database = await startHttpDatabase("step-http");
  const { server } = database;
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
  await database.stop();
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

const stepCases = [
  {
    what: "a one-page step that ends the pass: the opening, BEGIN with the reads, the writes with the sweep, the end with COMMIT",
    synced: 20,
    listed: 18,
    pageSize: 50,
    pass: { state: "complete", disabled: 2, recordsDone: 18 },
    requests: 4,
    removed: ["M-018", "M-019"],
  },
  {
    what: "each further page costs one request: its writes go with the next page's rows",
    synced: 20,
    listed: 18,
    pageSize: 6,
    pass: { state: "complete", disabled: 2, pagesDone: 3 },
    requests: 6,
    removed: ["M-018", "M-019"],
  },
  {
    what: "a held pass reads its sample too, and disables nobody",
    synced: 40,
    listed: 30,
    pageSize: 50,
    pass: { state: "held", heldCount: 10, disabled: 0 },
    requests: 5,
    removed: [],
  },
];

describe("a pass step's database requests over HTTP", () => {
  for (const expected of stepCases)
    it(expected.what, async () => {
      const { facility, integration, pass } = await secondPass(expected.synced);
      const step = await countedStep({
        integrationId: integration.id,
        passId: pass.id,
        records: members(expected.synced).slice(0, expected.listed),
        pageSize: expected.pageSize,
      });
      expect(step.result.pass).toMatchObject(expected.pass);
      expect(step.requests).toBe(expected.requests);
      expect(await removedIds(db, facility.id)).toEqual(expected.removed);
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
