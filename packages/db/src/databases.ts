import { and, eq, exists, inArray, isNotNull, isNull, or } from "drizzle-orm";
import { createDb } from "./client";
import type { Db, DbConfig } from "./database";
import { facility, integrationDirectory, organisation, type IntegrationSystem } from "./schema";

/**
 * Where every organisation's data lives (ADR 0021): a catalog database (admins, sessions, memberships,
 * grants, facilities, the organisation → database directory and the integration routing), and one
 * database per organisation, named in the directory. An organisation without a name keeps its data in
 * the catalog itself: the single-database layout of tests and of deployments from before the split.
 */
export type DatabaseLayout = {
  catalog: DbConfig;
  /**
   * An organisation's database URL with `{database}` for its name: `libsql://{database}-acme.turso.io` on
   * Turso, `http://127.0.0.1:8080/db/{database}/` under `npm start`.
   */
  organisationUrlTemplate?: string | undefined;
  /** Turso's group token: one for every database of the group. Default: the catalog's token. */
  organisationAuthToken?: string | undefined;
};

/** One invocation's view of the databases: clients are made on first use and kept for the invocation. */
export type Databases = {
  catalog: Db;
  /** The organisation's database (the catalog for an organisation that has none of its own). */
  forOrganisation(organisationId: string): Promise<Db>;
  /** The organisation a facility belongs to, from the catalog; undefined for an unknown facility. */
  organisationOfFacility(facilityId: string): Promise<string | undefined>;
  /**
   * The organisation an integration belongs to, from the catalog's directory; undefined when the directory
   * does not know it (an integration provisioned straight into the catalog database is then found there).
   */
  organisationOfIntegration(integrationId: string): Promise<string | undefined>;
  /**
   * Every database that holds organisations' data: the catalog (its own organisations) and each named one;
   * with `connectedTo`, only the named ones whose organisation connected one of those systems (or an
   * integration whose system the directory does not know).
   */
  list(filter?: { connectedTo: readonly IntegrationSystem[] }): Promise<DatabaseEntry[]>;
};

/** A database and the organisation it belongs to (none: the catalog, which may hold several). */
export type DatabaseEntry = { organisationId: string | undefined; db: Db };

export class DatabaseLayoutError extends Error {}

/**
 * Directory entries never change once written (an organisation keeps its database, a facility and an
 * integration keep their organisation), so an isolate remembers them; only found entries are kept, so a
 * new facility or integration is seen at once. Bounded: a long-lived isolate serving many tenants starts over.
 */
const remembered = new Map<string, string | null>();
const REMEMBERED_MAX = 20_000;

function remember(key: string, value: string | null): void {
  if (remembered.size >= REMEMBERED_MAX) remembered.clear();
  remembered.set(key, value);
}

export function openDatabases(layout: DatabaseLayout): Databases {
  const catalog = createDb(layout.catalog);
  const clients = new Map<string, Db>();
  const scope = layout.catalog.url;

  const byName = (databaseName: string): Db => {
    let db = clients.get(databaseName);
    if (!db) {
      db = createDb({
        url: organisationDatabaseUrl(layout, databaseName),
        authToken: layout.organisationAuthToken ?? layout.catalog.authToken,
      });
      clients.set(databaseName, db);
    }
    return db;
  };

  const lookup = async (key: string, read: () => Promise<string | null | undefined>) => {
    const scoped = `${scope}|${key}`;
    if (remembered.has(scoped)) return remembered.get(scoped);
    const value = await read();
    if (value !== undefined) remember(scoped, value);
    return value;
  };

  const databaseNameOf = (organisationId: string) =>
    lookup(`org:${organisationId}`, async () => {
      const [row] = await catalog
        .select({ databaseName: organisation.databaseName })
        .from(organisation)
        .where(eq(organisation.id, organisationId))
        .limit(1);
      return row ? row.databaseName : undefined;
    });

  return {
    catalog,
    async forOrganisation(organisationId) {
      const databaseName = await databaseNameOf(organisationId);
      return databaseName ? byName(databaseName) : catalog;
    },
    async organisationOfFacility(facilityId) {
      const found = await lookup(`facility:${facilityId}`, async () => {
        const [row] = await catalog
          .select({ organisationId: facility.organisationId })
          .from(facility)
          .where(eq(facility.id, facilityId))
          .limit(1);
        return row?.organisationId;
      });
      return found ?? undefined;
    },
    async organisationOfIntegration(integrationId) {
      const found = await lookup(`integration:${integrationId}`, async () => {
        const [row] = await catalog
          .select({ organisationId: integrationDirectory.organisationId })
          .from(integrationDirectory)
          .where(eq(integrationDirectory.integrationId, integrationId))
          .limit(1);
        return row?.organisationId;
      });
      return found ?? undefined;
    },
    async list(filter) {
      const connected =
        filter &&
        exists(
          catalog
            .select({ one: integrationDirectory.integrationId })
            .from(integrationDirectory)
            .where(
              and(
                eq(integrationDirectory.organisationId, organisation.id),
                or(isNull(integrationDirectory.system), inArray(integrationDirectory.system, [...filter.connectedTo])),
              ),
            ),
        );
      const named = await catalog
        .select({ id: organisation.id, databaseName: organisation.databaseName })
        .from(organisation)
        .where(and(isNotNull(organisation.databaseName), connected));
      return [
        { organisationId: undefined, db: catalog },
        ...named.map((row) => ({ organisationId: row.id, db: byName(row.databaseName!) })),
      ];
    },
  };
}

export function organisationDatabaseUrl(layout: DatabaseLayout, databaseName: string): string {
  if (!layout.organisationUrlTemplate?.includes("{database}")) {
    throw new DatabaseLayoutError(
      `Organisation database "${databaseName}" cannot be reached: ORGANISATION_DATABASE_URL with {database} is not set`,
    );
  }
  return layout.organisationUrlTemplate.replaceAll("{database}", databaseName);
}
