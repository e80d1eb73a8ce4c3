import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { INTEGRATION_SOURCE } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import {
  accessGrant,
  accessLogEntry,
  accessUser,
  auditEntry,
  facilityIntegration,
  integration,
  invitation,
  syncSettings,
} from "../schema";

/** Which integration-synced users a bulk delete takes. Manual and CCTV rows are never in scope. */
export type BulkDeleteScope = { kind: "all" } | { kind: "integration"; integrationId: string };

export const BULK_DELETE_STALE_MESSAGE = "The users changed since the preview. Run the preview again.";
export const BULK_DELETE_AUDIT_ACTION = "bulk_delete_synced_users";

/** The set no longer matches the previewed token: nothing was deleted. */
export class BulkDeleteStaleError extends Error {
  constructor() {
    super(BULK_DELETE_STALE_MESSAGE);
    this.name = "BulkDeleteStaleError";
  }
}

export type BulkDeleteSampleItem = {
  id: string;
  name: string;
  externalId: string | null;
  integrationName: string | null;
};

export type BulkDeletePreview = { count: number; sample: BulkDeleteSampleItem[]; token: string };

/** Rows of (id, version) hashed per chunk: one result row per chunk keeps every response small. */
const FINGERPRINT_CHUNK = 5_000;
const TOKEN_VERSION = "v1";

function scopeWhere(facilityId: string, scope: BulkDeleteScope): SQL {
  // integration_key is the column the (facility, source, integration, external id) index holds,
  // so both scopes are a range of that index rather than a scan of the facility.
  return and(
    eq(accessUser.facilityId, facilityId),
    eq(accessUser.source, INTEGRATION_SOURCE),
    scope.kind === "integration" ? eq(accessUser.integrationKey, scope.integrationId) : undefined,
  )!;
}

function scopeIds(db: DbOrTx, facilityId: string, scope: BulkDeleteScope) {
  return db.select({ id: accessUser.id }).from(accessUser).where(scopeWhere(facilityId, scope));
}

function scopeLabel(scope: BulkDeleteScope): string {
  return scope.kind === "all" ? "all" : `integration:${scope.integrationId}`;
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The set's fingerprint: SHA-256 over the facility, the scope, the count and the digests of the
 * sorted (id, version) pairs. Any user added, removed or written since (every write bumps version)
 * changes it. The database sorts and concatenates the pairs chunk by chunk, so 50,000 rows come back
 * as ten rows, not 50,000.
 */
export async function fingerprintBulkDeleteScope(
  db: DbOrTx,
  facilityId: string,
  scope: BulkDeleteScope,
): Promise<{ count: number; token: string }> {
  const chunks = await db.all<{ n: number; pairs: string }>(sql`
    SELECT count(*) AS n, group_concat(pair, ',' ORDER BY id) AS pairs
    FROM (
      SELECT ${accessUser.id} AS id,
             ${accessUser.id} || ':' || ${accessUser.version} AS pair,
             (row_number() OVER (ORDER BY ${accessUser.id}) - 1) / ${sql.raw(String(FINGERPRINT_CHUNK))} AS chunk
      FROM ${accessUser}
      WHERE ${scopeWhere(facilityId, scope)}
    )
    GROUP BY chunk
    ORDER BY chunk`);
  // A bound JS number arrives as a REAL, and x / 5000.0 would put every row in a chunk of its own.
  const count = chunks.reduce((sum, chunk) => sum + Number(chunk.n), 0);
  const digests = await Promise.all(chunks.map(async (chunk) => hex(await sha256(chunk.pairs))));
  const header = [TOKEN_VERSION, facilityId, scopeLabel(scope), String(count)];
  const token = `${TOKEN_VERSION}.${base64url(await sha256([...header, ...digests].join("\n")))}`;
  return { count, token };
}

/** Count, a sample ordered by name, and the token the confirm must present. */
export async function previewBulkDeleteScope(
  db: Db,
  facilityId: string,
  scope: BulkDeleteScope,
  sampleSize = 20,
): Promise<BulkDeletePreview> {
  const [{ count, token }, sampleRows] = await Promise.all([
    fingerprintBulkDeleteScope(db, facilityId, scope),
    db
      .select({
        id: accessUser.id,
        firstName: accessUser.firstName,
        lastName: accessUser.lastName,
        externalId: accessUser.externalId,
        integrationName: integration.name,
      })
      .from(accessUser)
      .leftJoin(integration, eq(integration.id, accessUser.integrationId))
      .where(scopeWhere(facilityId, scope))
      .orderBy(asc(accessUser.lastName), asc(accessUser.firstName), asc(accessUser.id))
      .limit(sampleSize),
  ]);
  const sample = sampleRows.map((row) => ({
    id: row.id,
    name: `${row.firstName} ${row.lastName}`.trim(),
    externalId: row.externalId,
    integrationName: row.integrationName,
  }));
  return { count, sample, token };
}

export type BulkDeleteInput = {
  facilityId: string;
  organisationId: string;
  scope: BulkDeleteScope;
  token: string;
  /** One integration: opt the facility out of it. All: turn the Integrations source off. */
  alsoTurnOff: boolean;
  actorUserId: string | null;
  now: number;
};

/**
 * Deletes exactly the previewed set, or nothing. The recheck runs inside the write transaction, so a
 * sync writing between the recheck and the delete waits for the lock instead of slipping a user in.
 * Set-based: a handful of statements whatever the number of rows.
 */
export async function deleteBulkScope(db: Db, input: BulkDeleteInput): Promise<{ deleted: number }> {
  const { facilityId, scope, now } = input;
  return db.transaction(async (tx) => {
    const current = await fingerprintBulkDeleteScope(tx, facilityId, scope);
    if (current.token !== input.token) throw new BulkDeleteStaleError();

    // The log outlives the user: unlink it, and keep the external id on entries written without one.
    await tx
      .update(accessLogEntry)
      .set({
        userId: null,
        externalId: sql`coalesce(${accessLogEntry.externalId}, (SELECT ${accessUser.externalId} FROM ${accessUser} WHERE ${accessUser.id} = ${accessLogEntry.userId}))`,
      })
      .where(inArray(accessLogEntry.userId, scopeIds(tx, facilityId, scope)));
    await tx.delete(accessGrant).where(inArray(accessGrant.userId, scopeIds(tx, facilityId, scope)));
    await tx.delete(invitation).where(inArray(invitation.userId, scopeIds(tx, facilityId, scope)));
    const deleted = await tx.delete(accessUser).where(scopeWhere(facilityId, scope));
    // Cannot differ under the write lock; if it ever does, roll back rather than delete a different set.
    if (deleted.rowsAffected !== current.count) throw new BulkDeleteStaleError();

    if (input.alsoTurnOff && scope.kind === "integration") {
      await tx
        .insert(facilityIntegration)
        .values({ facilityId, integrationId: scope.integrationId, enabled: false })
        .onConflictDoUpdate({
          target: [facilityIntegration.facilityId, facilityIntegration.integrationId],
          set: { enabled: false },
        });
    } else if (input.alsoTurnOff) {
      await tx
        .update(syncSettings)
        .set({ integrationsEnabled: false, updatedAt: now })
        .where(eq(syncSettings.facilityId, facilityId));
    }

    await tx.insert(auditEntry).values({
      organisationId: input.organisationId,
      facilityId,
      actorUserId: input.actorUserId,
      action: BULK_DELETE_AUDIT_ACTION,
      detail: {
        scope: scope.kind,
        integrationId: scope.kind === "integration" ? scope.integrationId : null,
        count: current.count,
        alsoTurnOff: input.alsoTurnOff,
      },
      at: now,
    });
    return { deleted: current.count };
  });
}

/** The organisation's integration (connected or not), or undefined: another organisation's id answers "not found". */
export async function findBulkDeleteIntegration(db: DbOrTx, organisationId: string, integrationId: string) {
  const [row] = await db
    .select({ id: integration.id, name: integration.name })
    .from(integration)
    .where(and(eq(integration.id, integrationId), eq(integration.organisationId, organisationId)))
    .limit(1);
  return row;
}
