import { eq } from "drizzle-orm";
import {
  SKIP_REASONS,
  parseSourceEvent,
  planRecord,
  resolveFacilities,
  type AppliedOutcome,
  type PlannedChange,
  type SchemaIssue,
  type SourceChange,
  type SyncSource,
} from "@uas/domain";
import type { Db, Tx } from "../database";
import { integration } from "../schema";
import { facilitiesOfOrganisation, loadFacilityContexts, loadLocationMap, planSettingsFor } from "./source-context";
import { loadPersonRows, newRowId, rowWriteStatements, type StoredRow } from "./row-store";
import { entryStatements, type EntryToWrite } from "./activity-store";
import { drizzleHandle } from "./store-handle";
import { appliedUserIds, autoInvitationStatements } from "./invitation-outbox";

export type SourceEventTarget = { source: "integration"; integrationId: string } | { source: "cctv"; facilityId: string };

export type ApplySourceEventInput = SourceEventTarget & {
  db: Db;
  /** The webhook body (or a "Sync this person now" record wrapped as an event); validated here. */
  event: unknown;
  webhookId: string | null;
  now: number;
};

export type AppliedEntry = { facilityId: string | null; outcome: AppliedOutcome; reason: string | null; userId: string | null };

export type ApplySourceEventResult =
  | { status: "applied"; entries: AppliedEntry[] }
  | { status: "invalid"; issues: SchemaIssue[] }
  | { status: "not_found" };

/**
 * Applies one source event to every facility it concerns, in one write transaction (so it serialises
 * with pass pages). Idempotent: the same event again finds nothing to change (Processed), and an
 * event older than what a row took is Processed without a write.
 */
export async function applySourceEvent(input: ApplySourceEventInput): Promise<ApplySourceEventResult> {
  const parsed = parseSourceEvent(input.source, input.event);
  if (!parsed.ok) return { status: "invalid", issues: parsed.issues };
  const change = parsed.change;
  return input.db.transaction(async (tx) => {
    const applied = input.source === "integration" ? await applyIntegrationChange(tx, input.integrationId, change, input) : await applyCctvChange(tx, input.facilityId, change, input);
    if (applied.status === "applied") await drizzleHandle(tx).script(autoInvitationStatements(appliedUserIds(applied.entries), input.now));
    return applied;
  });
}

type Origin = { webhookId: string | null; now: number };

function externalIdOf(change: SourceChange): string {
  return change.kind === "upsert" ? change.person.externalId : change.removal.externalId;
}

function nameOf(change: SourceChange): string {
  if (change.kind === "removal") return "";
  return [change.person.firstName?.trim(), change.person.lastName?.trim()].filter(Boolean).join(" ");
}

async function applyIntegrationChange(tx: Tx, integrationId: string, change: SourceChange, origin: Origin): Promise<ApplySourceEventResult> {
  const [partner] = await tx
    .select({ id: integration.id, organisationId: integration.organisationId })
    .from(integration)
    .where(eq(integration.id, integrationId))
    .limit(1);
  if (!partner) return { status: "not_found" };
  const externalId = externalIdOf(change);
  const locationIds = change.kind === "upsert" ? change.person.locationIds : change.removal.locationIds;
  const mapped = resolveFacilities(locationIds ?? [], await loadLocationMap(tx, integrationId));
  const rows = await loadPersonRows(drizzleHandle(tx), {
    facilityIds: await facilitiesOfOrganisation(tx, partner.organisationId),
    source: "integration",
    integrationId,
    externalId,
  });
  const concerned = [...new Set([...mapped, ...rows.keys()])];
  const entryOrigin = { organisationId: partner.organisationId, source: "integration" as const, integrationId, passId: null, webhookId: origin.webhookId, at: origin.now };
  if (concerned.length === 0) {
    const entry: EntryToWrite = { facilityId: null, externalId, name: nameOf(change), outcome: "skipped", reason: SKIP_REASONS.noFacility, changes: null, userId: null };
    await drizzleHandle(tx).script(entryStatements(entryOrigin, [entry]));
    return { status: "applied", entries: [{ facilityId: null, outcome: "skipped", reason: entry.reason, userId: null }] };
  }
  // A facility holding the person but no longer among the record's facilities treats it as a removal.
  const changeFor = (facilityId: string): PlannedChange => {
    if (change.kind === "removal") return { kind: "removal", externalId, updatedAt: change.removal.updatedAt, cause: "removed" };
    if (mapped.includes(facilityId)) return { kind: "upsert", person: change.person };
    return { kind: "removal", externalId, updatedAt: change.person.updatedAt, cause: "moved" };
  };
  const entries = await applyToFacilities(tx, { source: "integration", integrationId, concerned, rows, changeFor, origin });
  await drizzleHandle(tx).script(entryStatements(entryOrigin, entries));
  return { status: "applied", entries: entries.map(summary) };
}

async function applyCctvChange(tx: Tx, facilityId: string, change: SourceChange, origin: Origin): Promise<ApplySourceEventResult> {
  const externalId = externalIdOf(change);
  const rows = await loadPersonRows(drizzleHandle(tx), { facilityIds: [facilityId], source: "cctv", integrationId: null, externalId });
  const changeFor = (): PlannedChange =>
    change.kind === "upsert"
      ? { kind: "upsert", person: change.person }
      : { kind: "removal", externalId, updatedAt: change.removal.updatedAt, cause: "removed" };
  const contexts = await loadFacilityContexts(tx, [facilityId]);
  const context = contexts.get(facilityId);
  if (!context) return { status: "not_found" };
  const entries = await applyToFacilities(tx, { source: "cctv", integrationId: null, concerned: [facilityId], rows, changeFor, origin });
  const entryOrigin = { organisationId: context.facility.organisationId, source: "cctv" as const, integrationId: null, passId: null, webhookId: origin.webhookId, at: origin.now };
  await drizzleHandle(tx).script(entryStatements(entryOrigin, entries));
  return { status: "applied", entries: entries.map(summary) };
}

function summary(entry: EntryToWrite): AppliedEntry {
  return { facilityId: entry.facilityId, outcome: entry.outcome, reason: entry.reason, userId: entry.userId };
}

async function applyToFacilities(
  tx: Tx,
  input: {
    source: SyncSource;
    integrationId: string | null;
    concerned: string[];
    rows: Map<string, StoredRow>;
    changeFor: (facilityId: string) => PlannedChange;
    origin: Origin;
  },
): Promise<EntryToWrite[]> {
  const contexts = await loadFacilityContexts(tx, input.concerned);
  const entries: EntryToWrite[] = [];
  for (const facilityId of input.concerned) {
    const context = contexts.get(facilityId);
    if (!context) continue;
    const row = input.rows.get(facilityId) ?? null;
    const change = input.changeFor(facilityId);
    const plan = planRecord({
      source: input.source,
      change,
      facility: context.facility,
      settings: planSettingsFor(context, input.source, input.integrationId),
      existingRow: row,
      now: input.origin.now,
    });
    const externalId = change.kind === "upsert" ? change.person.externalId : change.externalId;
    let userId = row?.id ?? null;
    if (plan.write && plan.patch) {
      userId ??= newRowId(input.origin.now);
      const scope = { facilityId, source: input.source, integrationId: input.integrationId };
      const writes = [{ id: userId, externalId, write: plan.write, patch: plan.patch }];
      await drizzleHandle(tx).script(rowWriteStatements(scope, { passId: null, now: input.origin.now, writes }));
    }
    entries.push({
      facilityId,
      externalId,
      name: plan.name,
      outcome: plan.outcome,
      reason: plan.reason,
      changes: plan.changes.length > 0 ? plan.changes : null,
      userId,
    });
  }
  return entries;
}
