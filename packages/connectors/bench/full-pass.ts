/**
 * A FULL pass for bench:connectors: the listing read through a connector over HTTP and applied by the engine
 * (`startPass` + `runFullPass`, steps of 5 pages as the Worker's PASS_PAGES_PER_STEP default) to a real
 * libSQL database file, with the integration's locations mapped to one facility as the admin maps them.
 * Each system gets its own fresh database; its first pass adds everyone, its second finds everyone unchanged
 * (the common night). Seconds are wall clock; the CPU seconds are this process's (connector + engine +
 * libSQL), the simulator serving from its own process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  insertFacility,
  insertIntegration,
  insertOrganisation,
  type IntegrationSystem,
  updateSyncSettings,
} from "@uas/db";
import { openBenchDb } from "@uas/db/bench";
import { runFullPass, startPass } from "@uas/engine";
import type { ConnectionContext, Connector } from "../src";

/** The Worker's defaults (apps/api/src/context.ts DEFAULT_TUNING): pages per queue step, records per page asked. */
const PAGES_PER_STEP = 5;
const PAGE_SIZE = 1000;

export type PassFigures = {
  seconds: number;
  cpu_seconds: number;
  calls: number;
  added: number;
  updated: number;
  processed: number;
  skipped: number;
  disabled: number;
  state: string;
};

export type FullPassFigures = { first: PassFigures; unchanged: PassFigures };

export async function measureFullPass<C>(input: {
  system: IntegrationSystem;
  connector: Connector<C>;
  context: ConnectionContext<C>;
  /** The location ids to map, for a system without a locations endpoint (the partner contract). */
  locationIds?: readonly string[];
}): Promise<FullPassFigures> {
  const context = { ...input.context, tuning: { ...input.context.tuning, pageSize: PAGE_SIZE } };
  const dir = mkdtempSync(join(tmpdir(), `uas-bench-pass-${input.system}-`));
  const { db } = await openBenchDb(dir);
  try {
    const now = Date.now();
    const organisation = await insertOrganisation(db, { name: "Bench Org" }, now);
    const facility = await insertFacility(
      db,
      { organisationId: organisation.id, name: "Bench Gym", timeZone: "Europe/London", countryCode: "GB" },
      now,
    );
    // Every location the system lists maps to the facility (the Connect dialog's location map).
    const locationIds = input.locationIds ?? (await input.connector.locations(context)).map((location) => location.id);
    await insertIntegration(
      db,
      {
        organisationId: organisation.id,
        name: `Bench ${input.system}`,
        system: input.system,
        baseUrl: context.baseUrl,
        apiKey: "bench",
        locations: Object.fromEntries(locationIds.map((id) => [id, facility.id])),
      },
      now,
    );
    await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, now);

    const pass = async (): Promise<PassFigures> => {
      let calls = 0;
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const { pass: begun } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: Date.now(),
      });
      const done = await runFullPass({
        db,
        passId: begun.id,
        // The Worker's listing factory (apps/api/src/sources/listing-factory.ts), counting the calls.
        listingFor: () => ({
          async fetchPage(cursor) {
            const page = await input.connector.listPage(context, { locationIds: null, cursor });
            calls += page.calls;
            return { records: page.records, nextCursor: page.nextCursor };
          },
        }),
        now: () => Date.now(),
        maxPages: PAGES_PER_STEP,
      });
      const cpu = process.cpuUsage(cpuBefore);
      return {
        seconds: (performance.now() - started) / 1000,
        cpu_seconds: (cpu.user + cpu.system) / 1e6,
        calls,
        added: done.added,
        updated: done.updated,
        processed: done.processed,
        skipped: done.skipped,
        disabled: done.disabled,
        state: done.state,
      };
    };
    const first = await pass();
    const unchanged = await pass();
    return { first, unchanged };
  } finally {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
