import { inArray } from "drizzle-orm";
import {
  eventExternalId,
  mergedChange,
  mergedReason,
  parseStoredEvent,
  planTakeover,
  rowAfterTakeover,
  planSourceEvent,
  type AppliedOutcome,
  type EventFacility,
  type ExistingRow,
  type SchemaIssue,
  type SourceChange,
  type SyncSource,
  type SourceTarget,
  INTEGRATION_SOURCE,
  senderId,
  senderKey,
  sourceTarget,
  targetFacilityId,
  targetIntegrationId,
} from "@uas/domain";
import type { DbOrTx } from "@uas/db";
import { facility, integration, integrationLocation } from "@uas/db";
import { loadFacilityContexts, planSettingsFor } from "./source-context";
import { loadPeopleRows, newRowId, rowWriteStatements, type RowWrite } from "./row-store";
import { entryStatements, type EntryToWrite } from "./activity-store";
import { drizzleHandle, type StoreHandle } from "./store-handle";
import { jsonLiteral, sqlText, type SqlText } from "@uas/db";
import { appliedUserIds, autoInvitationStatements } from "./invitation-outbox";
import { accessGraceStatements } from "@uas/db";
import { takeoverStatements } from "./merge-store";

export type SourceEventTarget = SourceTarget;

export type ApplySourceEventInput = SourceEventTarget & {
  db: DbOrTx;
  /** The webhook body (or a "Sync this person now" record wrapped as an event); validated here. */
  event: unknown;
  webhookId: string | null;
  now: number;
  /**
   * A caller scoped to one facility ("Sync this person now"): the event is planned and written for this
   * facility only, even when the person also has rows at the integration's other facilities.
   */
  onlyFacilityId?: string;
};

export type AppliedEntry = {
  facilityId: string | null;
  outcome: AppliedOutcome;
  reason: string | null;
  userId: string | null;
};

export type ApplySourceEventResult =
  | { status: "applied"; entries: AppliedEntry[] }
  | { status: "invalid"; issues: SchemaIssue[] }
  | { status: "not_found" };

/** What applying needs to know of a sender, read once per batch. */
export type SenderContext = {
  source: SyncSource;
  integrationId: string | null;
  organisationId: string;
  locationMap: ReadonlyMap<string, string> | null;
  /** CCTV: the endpoint's facility. */
  senderFacilityId: string | null;
  /** The facilities whose rows the sender's events can concern (an integration's whole organisation). */
  facilities: ReadonlyMap<string, EventFacility>;
};

export type ParsedEvent = { target: SourceEventTarget; change: SourceChange; webhookId: string | null };

export const senderKeyOf = senderKey;

/**
 * Applies one source event to every facility it concerns, in one write transaction (so it serialises
 * with pass pages). Idempotent: the same event again finds nothing to change (Processed), and an
 * event older than what a row took is Processed without a write.
 */
export async function applySourceEvent(input: ApplySourceEventInput): Promise<ApplySourceEventResult> {
  const parsed = parseStoredEvent(input.source, input.event);
  if (!parsed.ok) return { status: "invalid", issues: parsed.issues };
  const target: SourceEventTarget = sourceTarget(input.source, senderId(input));
  return input.db.transaction(async (tx) => {
    const senders = await loadSenderContexts(tx, [target]);
    if (input.onlyFacilityId !== undefined) restrictToFacility(senders, input.onlyFacilityId);
    const [result] = await writeEvents(
      drizzleHandle(tx),
      senders,
      [{ target, change: parsed.change, webhookId: input.webhookId }],
      input.now,
    );
    return result as ApplySourceEventResult;
  });
}

/** Every distinct sender's organisation, location map and facility settings: a few statements per batch. */
export async function loadSenderContexts(
  db: DbOrTx,
  targets: readonly SourceEventTarget[],
): Promise<Map<string, SenderContext>> {
  const integrationIds = [...new Set(targets.flatMap((t) => targetIntegrationId(t) ?? []))];
  const facilityTargets = new Map<string, SourceTarget>();
  for (const t of targets) {
    const facilityId = targetFacilityId(t);
    if (facilityId !== null) facilityTargets.set(senderKey(t), t);
  }
  const cctvFacilityIds = [...new Set([...facilityTargets.values()].map((t) => senderId(t)))];
  const partners =
    integrationIds.length === 0
      ? []
      : await db
          .select({ id: integration.id, organisationId: integration.organisationId })
          .from(integration)
          .where(inArray(integration.id, integrationIds));
  const organisationIds = [...new Set(partners.map((p) => p.organisationId))];
  const organisationFacilities =
    organisationIds.length === 0
      ? []
      : await db
          .select({ id: facility.id, organisationId: facility.organisationId })
          .from(facility)
          .where(inArray(facility.organisationId, organisationIds));
  const locations =
    partners.length === 0
      ? []
      : await db
          .select({
            integrationId: integrationLocation.integrationId,
            locationId: integrationLocation.locationId,
            facilityId: integrationLocation.facilityId,
          })
          .from(integrationLocation)
          .where(
            inArray(
              integrationLocation.integrationId,
              partners.map((p) => p.id),
            ),
          );
  const contexts = await loadFacilityContexts(db, [
    ...new Set([...organisationFacilities.map((f) => f.id), ...cctvFacilityIds]),
  ]);

  const senders = new Map<string, SenderContext>();
  const facilitiesFor = (facilityIds: readonly string[], source: SyncSource, integrationId: string | null) => {
    const facilities = new Map<string, EventFacility>();
    for (const id of facilityIds) {
      const context = contexts.get(id);
      if (context)
        facilities.set(id, { facility: context.facility, settings: planSettingsFor(context, source, integrationId) });
    }
    return facilities;
  };
  for (const partner of partners) {
    const locationMap = new Map(
      locations.filter((l) => l.integrationId === partner.id).map((l) => [l.locationId, l.facilityId]),
    );
    const ids = organisationFacilities.filter((f) => f.organisationId === partner.organisationId).map((f) => f.id);
    senders.set(senderKeyOf(sourceTarget(INTEGRATION_SOURCE, partner.id)), {
      source: INTEGRATION_SOURCE,
      integrationId: partner.id,
      organisationId: partner.organisationId,
      locationMap,
      senderFacilityId: null,
      facilities: facilitiesFor(ids, INTEGRATION_SOURCE, partner.id),
    });
  }
  for (const [key, target] of facilityTargets) {
    const facilityId = senderId(target);
    const context = contexts.get(facilityId);
    if (!context) continue;
    senders.set(key, {
      source: target.source,
      integrationId: null,
      organisationId: context.facility.organisationId,
      locationMap: null,
      senderFacilityId: facilityId,
      facilities: facilitiesFor([facilityId], target.source, null),
    });
  }
  return senders;
}

/** A facility the senders' events may not concern is left out: the planner leaves it alone. */
function restrictToFacility(senders: Map<string, SenderContext>, facilityId: string) {
  for (const [key, sender] of senders) {
    const only = sender.facilities.get(facilityId);
    senders.set(key, { ...sender, facilities: new Map(only ? [[facilityId, only]] : []) });
  }
}

type CurrentRow = ExistingRow & { id: string };

/**
 * Plans the events in order, each against the state the earlier ones left, then writes rows, activity
 * entries, invitations and `extra` statements as one script. Rows are read once per sender.
 */
export type LoadedState = {
  /** sender → external id → facility id → the row as it stands (after the events planned so far). */
  current: Map<string, Map<string, Map<string, CurrentRow>>>;
  /** sender → external id → facility id → a remembered removal's `updated_at` (the person has no row there). */
  remembered: Map<string, Map<string, Map<string, number>>>;
};

/**
 * The rows and remembered removals the events concern. The reads are issued together, so the client
 * sends them as one pipeline: inside the write transaction, every round trip is time the lock is held.
 */
export async function loadEventState(
  handle: StoreHandle,
  senders: ReadonlyMap<string, SenderContext>,
  events: readonly ParsedEvent[],
): Promise<LoadedState> {
  const state: LoadedState = { current: new Map(), remembered: new Map() };
  const reads = [...groupBy(events, (e) => senderKeyOf(e.target))].map(async ([key, senderEvents]) => {
    const sender = senders.get(key);
    if (!sender) return;
    // A merge also reads the rows of the person merged away: the kept person takes them over.
    const externalIds = [
      ...new Set(
        senderEvents.flatMap((e) => [
          eventExternalId(e.change),
          ...(e.change.kind === "upsert" && e.change.mergedFrom !== undefined ? [e.change.mergedFrom] : []),
        ]),
      ),
    ];
    const [rows, remembered] = await Promise.all([
      loadPeopleRows(handle, {
        facilityIds: [...sender.facilities.keys()],
        source: sender.source,
        integrationId: sender.integrationId,
        externalIds,
      }),
      loadRememberedRemovals(handle, sender, externalIds),
    ]);
    const people = new Map<string, Map<string, CurrentRow>>();
    for (const row of rows) {
      const person = people.get(row.externalId) ?? new Map<string, CurrentRow>();
      person.set(row.facilityId, row);
      people.set(row.externalId, person);
    }
    state.current.set(key, people);
    state.remembered.set(key, remembered);
  });
  await Promise.all(reads);
  return state;
}

export async function writeEvents(
  handle: StoreHandle,
  senders: ReadonlyMap<string, SenderContext>,
  events: readonly ParsedEvent[],
  now: number,
  extra: readonly SqlText[] = [],
  loaded?: LoadedState,
): Promise<ApplySourceEventResult[]> {
  const { current, remembered } = loaded ?? (await loadEventState(handle, senders, events));
  const removals = new Map<string, RememberedRemoval>();
  const forgotten = new Map<string, RememberedRemoval>();

  const writes: PendingWrites = new Map();
  const entriesBySender = new Map<string, { sender: SenderContext; entries: EntryToWrite[] }>();
  /** Row writes flushed ahead of a merge's takeover, so the script keeps the events' order. */
  const orderedRowStatements: SqlText[] = [];
  const appliedEntries: EntryToWrite[] = [];
  const results: ApplySourceEventResult[] = [];
  for (const event of events) {
    const key = senderKeyOf(event.target);
    const sender = senders.get(key);
    if (!sender) {
      results.push({ status: "not_found" });
      continue;
    }
    const externalId = eventExternalId(event.change);
    const people = current.get(key) as Map<string, Map<string, CurrentRow>>;
    const rows = people.get(externalId) ?? new Map<string, CurrentRow>();
    people.set(externalId, rows);
    const merged = takeOver(event.change, externalId, people, sender, now);
    if (merged.statements.length > 0) {
      orderedRowStatements.push(...rowStatementsOf(writes, now), ...merged.statements);
      writes.clear();
    }
    const senderRemovals = remembered.get(key) as Map<string, Map<string, number>>;
    const personRemovals = senderRemovals.get(externalId) ?? new Map<string, number>();
    senderRemovals.set(externalId, personRemovals);
    const planned = planSourceEvent({
      source: sender.source,
      change: event.change,
      locationMap: sender.locationMap,
      senderFacilityId: sender.senderFacilityId,
      rows,
      facilities: sender.facilities,
      remembered: personRemovals,
      now,
    });
    const entries: EntryToWrite[] = planned.map((entry) => {
      const row = entry.facilityId === null ? undefined : rows.get(entry.facilityId);
      let userId = row?.id ?? null;
      if (entry.facilityId !== null) {
        const removalKey = `${entry.facilityId}\u0000${externalId}`;
        const removal = {
          facilityId: entry.facilityId,
          source: sender.source,
          integrationKey: sender.integrationId ?? "",
          externalId,
        };
        if (entry.rememberRemoval !== null) {
          personRemovals.set(entry.facilityId, entry.rememberRemoval);
          removals.set(removalKey, { ...removal, updatedAt: entry.rememberRemoval });
          forgotten.delete(removalKey);
        } else if (entry.write?.write === "insert" && personRemovals.has(entry.facilityId)) {
          // The row now carries what the removal said; the memory has done its work.
          personRemovals.delete(entry.facilityId);
          removals.delete(removalKey);
          forgotten.set(removalKey, { ...removal, updatedAt: 0 });
        }
      }
      if (entry.facilityId !== null && entry.write) {
        userId ??= newRowId(now);
        const writeKey = `${entry.facilityId}\u0000${externalId}`;
        const earlier = writes.get(writeKey)?.write;
        writes.set(writeKey, {
          scope: { facilityId: entry.facilityId, source: sender.source, integrationId: sender.integrationId },
          write: {
            id: userId,
            externalId,
            write: earlier && earlier.write !== "touch" ? earlier.write : entry.write.write,
            patch: entry.write.patch,
          },
        });
        rows.set(entry.facilityId, {
          ...entry.write.patch,
          id: userId,
          trackSourceUpdates: row?.trackSourceUpdates ?? true,
          accessEnabled: row?.accessEnabled ?? true,
        });
      }
      const mergedHere = entry.facilityId === null ? undefined : merged.notes.get(entry.facilityId);
      if (mergedHere) {
        // The row changed hands even when the kept person's details were already current.
        return {
          facilityId: entry.facilityId,
          externalId,
          name: entry.name,
          outcome: entry.outcome === "processed" ? "updated" : entry.outcome,
          reason: [mergedHere.reason, entry.reason].filter(Boolean).join("; "),
          changes: [mergedHere.change, ...(entry.changes ?? [])],
          userId,
        };
      }
      return {
        facilityId: entry.facilityId,
        externalId,
        name: entry.name,
        outcome: entry.outcome,
        reason: entry.reason,
        changes: entry.changes,
        userId,
      };
    });
    // Written per sender after the loop, each entry with its webhook: one statement for the batch.
    const senderEntries = entriesBySender.get(key) ?? { sender, entries: [] };
    senderEntries.entries.push(...entries.map((entry) => ({ ...entry, webhookId: event.webhookId })));
    entriesBySender.set(key, senderEntries);
    appliedEntries.push(...entries);
    results.push({
      status: "applied",
      entries: entries.map(({ facilityId, outcome, reason, userId }) => ({ facilityId, outcome, reason, userId })),
    });
  }

  await handle.script([
    ...orderedRowStatements,
    ...rowStatementsOf(writes, now),
    ...[...entriesBySender.values()].flatMap(({ sender, entries }) =>
      entryStatements(
        {
          organisationId: sender.organisationId,
          source: sender.source,
          integrationId: sender.integrationId,
          passId: null,
          webhookId: null,
          at: now,
        },
        entries,
      ),
    ),
    ...rememberedRemovalStatements([...removals.values()], [...forgotten.values()], now),
    ...accessGraceStatements(appliedUserIds(appliedEntries), now),
    ...autoInvitationStatements(appliedUserIds(appliedEntries), now),
    ...extra,
  ]);
  return results;
}

type PendingWrites = Map<
  string,
  { scope: { facilityId: string; source: SyncSource; integrationId: string | null }; write: RowWrite }
>;

function rowStatementsOf(writes: PendingWrites, now: number): SqlText[] {
  return [
    ...groupBy(
      writes.values(),
      (w) => `${w.scope.facilityId}\u0000${w.scope.source}\u0000${w.scope.integrationId ?? ""}`,
    ).values(),
  ].flatMap((group) => rowWriteStatements(group[0]!.scope, { passId: null, now, writes: group.map((w) => w.write) }));
}

type MergeNote = { reason: string; change: ReturnType<typeof mergedChange> };

/**
 * A merge's takeover (a `mergedFrom` upsert): the person merged away hands their rows to the kept person,
 * in memory (so the upsert plans against them) and as statements. Nothing to take over (never synced, or
 * a replay after the takeover) leaves a plain upsert.
 */
function takeOver(
  change: SourceChange,
  keptExternalId: string,
  people: Map<string, Map<string, CurrentRow>>,
  sender: SenderContext,
  now: number,
): { statements: SqlText[]; notes: Map<string, MergeNote> } {
  const notes = new Map<string, MergeNote>();
  if (change.kind !== "upsert" || change.mergedFrom === undefined || change.mergedFrom === keptExternalId)
    return { statements: [], notes };
  const removedExternalId = change.mergedFrom;
  const removedRows = people.get(removedExternalId);
  if (!removedRows || removedRows.size === 0) return { statements: [], notes };
  const keptRows = people.get(keptExternalId) ?? new Map<string, CurrentRow>();
  people.set(keptExternalId, keptRows);
  const steps = planTakeover({ keptRows, removedRows, facilityIds: new Set(sender.facilities.keys()) });
  for (const step of steps) {
    const removed = removedRows.get(step.facilityId) as CurrentRow;
    keptRows.set(step.facilityId, rowAfterTakeover(step, keptRows.get(step.facilityId), removed));
    removedRows.delete(step.facilityId);
    notes.set(step.facilityId, {
      reason: mergedReason(step.mergedName, removedExternalId),
      change: mergedChange(removedExternalId, keptExternalId),
    });
  }
  return { statements: takeoverStatements(steps, keptExternalId, now), notes };
}

type RememberedRemoval = {
  facilityId: string;
  source: SyncSource;
  integrationKey: string;
  externalId: string;
  updatedAt: number;
};

async function loadRememberedRemovals(
  handle: StoreHandle,
  sender: SenderContext,
  externalIds: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const found = new Map<string, Map<string, number>>();
  if (sender.facilities.size === 0 || externalIds.length === 0) return found;
  // One JSON value, as the people's rows (row-store.ts): a read the one-round-trip apply can check again.
  const [result] = await handle.all<{ rows: string }>(sqlText`
    SELECT json_group_array(json_array(facility_id, external_id, source_updated_at)) AS rows FROM source_removal
    WHERE facility_id IN (SELECT value FROM json_each(${jsonLiteral([...sender.facilities.keys()])})) AND source = ${sender.source}
      AND integration_key = ${sender.integrationId ?? ""} AND external_id IN (SELECT value FROM json_each(${jsonLiteral(externalIds)}))`);
  for (const [facilityId, externalId, updatedAt] of JSON.parse(result?.rows ?? "[]") as Array<
    [string, string, number]
  >) {
    const person = found.get(externalId) ?? new Map<string, number>();
    person.set(facilityId, Number(updatedAt));
    found.set(externalId, person);
  }
  return found;
}

function rememberedRemovalStatements(
  remember: readonly RememberedRemoval[],
  forget: readonly RememberedRemoval[],
  now: number,
): SqlText[] {
  const statements: SqlText[] = [];
  if (remember.length > 0) {
    statements.push(sqlText`INSERT INTO source_removal (facility_id, source, integration_key, external_id, source_updated_at, recorded_at)
      SELECT r.value->>0, r.value->>1, r.value->>2, r.value->>3, r.value->>4, ${now}
      FROM json_each(${jsonLiteral(remember.map((r) => [r.facilityId, r.source, r.integrationKey, r.externalId, r.updatedAt]))}) AS r WHERE true
      ON CONFLICT (facility_id, source, integration_key, external_id) DO UPDATE SET
        source_updated_at = max(source_removal.source_updated_at, excluded.source_updated_at), recorded_at = excluded.recorded_at`);
  }
  if (forget.length > 0) {
    statements.push(sqlText`DELETE FROM source_removal WHERE (facility_id, source, integration_key, external_id) IN
      (SELECT f.value->>0, f.value->>1, f.value->>2, f.value->>3 FROM json_each(${jsonLiteral(forget.map((r) => [r.facilityId, r.source, r.integrationKey, r.externalId]))}) AS f)`);
  }
  return statements;
}

// Map.groupBy is not in Node 20, where the store's tests run.
function groupBy<T>(items: Iterable<T>, keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
