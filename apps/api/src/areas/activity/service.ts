import {
  findAccessUser,
  getActivityEntry,
  listActivity,
  listUserActivity,
  findIntegrationsByIds,
  type ActivityEntryRow,
} from "@uas/db";
import { CCTV_BADGE, OUTCOME_LABELS, type Outcome } from "@uas/domain";
import type { Ctx } from "../../context";
import { notFound } from "../../errors";

type FacilityRef = { id: string; organisationId: string };

async function integrationNames(ctx: Ctx, organisationId: string, entries: ActivityEntryRow[]) {
  const ids = [...new Set(entries.map((e) => e.integrationId).filter((id): id is string => id !== null))];
  const rows = await findIntegrationsByIds(ctx.db, organisationId, ids);
  return new Map(rows.map((row) => [row.id, row.name]));
}

function entryView(entry: ActivityEntryRow, names: Map<string, string>) {
  return {
    id: entry.id,
    at: entry.at,
    source: entry.source,
    sourceLabel: entry.source === "cctv" ? CCTV_BADGE : (names.get(entry.integrationId ?? "") ?? "Integration"),
    integrationId: entry.integrationId,
    integrationName: entry.integrationId ? (names.get(entry.integrationId) ?? null) : null,
    externalId: entry.externalId,
    name: entry.name,
    outcome: entry.outcome as Outcome,
    outcomeLabel: OUTCOME_LABELS[entry.outcome as Outcome],
    reason: entry.reason,
    changes: entry.changes ?? [],
    passId: entry.passId,
    webhookId: entry.webhookId,
    userId: entry.userId,
    facilityId: entry.facilityId,
  };
}

export async function listFacilityActivity({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; search?: string; outcome?: Outcome; cursor?: number | null; limit: number };
}) {
  const page = await listActivity(ctx.db, {
    facilityId: input.facility.id,
    search: input.search,
    outcome: input.outcome,
    before: input.cursor ?? null,
    limit: input.limit,
  });
  const names = await integrationNames(ctx, input.facility.organisationId, page.entries);
  return { entries: page.entries.map((entry) => entryView(entry, names)), nextCursor: page.nextCursor };
}

export async function getActivityDetail({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; entryId: number };
}) {
  const entry = await getActivityEntry(ctx.db, { facilityId: input.facility.id, id: input.entryId });
  if (!entry) throw notFound("Activity entry");
  const names = await integrationNames(ctx, input.facility.organisationId, [entry]);
  return entryView(entry, names);
}

export async function listPersonActivity({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; userId: string; limit: number };
}) {
  // Another facility's user (or none) is NOT_FOUND, like users.get, rather than an empty history.
  if (!(await findAccessUser(ctx.db, input.facility.id, input.userId))) throw notFound("User");
  const { entries } = await listUserActivity(ctx.db, {
    facilityId: input.facility.id,
    userId: input.userId,
    limit: input.limit,
  });
  const names = await integrationNames(ctx, input.facility.organisationId, entries);
  return entries.map((entry) => entryView(entry, names));
}
