import {
  accessUserFacets,
  accessUserTiles,
  createInvitationBatch,
  deleteGrant,
  findAccessUser,
  getAccessRuleSet,
  refreshAccessGrace,
  insertGrant,
  insertManualUser,
  isUniqueViolation,
  listAccessLogForUser,
  listAccessUsers,
  listGrants,
  listOrganisationIntegrations,
  updateAccessUser,
  type AccessUserFilter,
  type AccessUserPatch,
  lastSyncedOf,
  passSyncedTimes,
} from "@uas/db";
import {
  SYNCED_DETAIL_FIELDS,
  decideAccess,
  fieldLabel,
  isManualSource,
  sourceBadge,
  membershipStatusLabel,
  type Source,
  type SyncedDetailField,
  type UserSort,
} from "@uas/domain";
import type { AdminCtx, Ctx } from "../../context";
import { badRequest, conflict, notFound } from "../../errors";
import { relayInvitationsAfterCommit } from "../invitations/service";

type FacilityRef = { id: string; organisationId: string; countryCode: string };

/**
 * Why a person has no access; the first two can hold at once. Effective access is the access rules'
 * one definition (decideAccess in the domain, effectiveAccessSql in the database).
 */
export type DisabledReason = "switched_off_by_admin" | "removed_at_source" | "no_matching_rule_or_grant";
export type InvitationState = "not_invited" | "queued" | "sent" | "failed";

/**
 * The details sync overwrites that an admin edits in the user panel (the domain's list; synced tags are
 * never edited there): only on manual rows or decoupled ones.
 */
export const SYNCED_EDITABLE_FIELDS = SYNCED_DETAIL_FIELDS.filter(
  (field): field is Exclude<SyncedDetailField, "syncedTags"> => field !== "syncedTags",
);

/** The row's source badge (the registry's `sourceBadge`). */
export const sourceLabel = (source: Source, integrationName: string | null): string =>
  sourceBadge(source, integrationName);

function disabledReasons(
  row: { accessEnabled: boolean; removedAtSourceAt: number | null },
  hasAccess: boolean,
): DisabledReason[] {
  const reasons: DisabledReason[] = [];
  if (!row.accessEnabled) reasons.push("switched_off_by_admin");
  if (row.removedAtSourceAt !== null) reasons.push("removed_at_source");
  if (reasons.length === 0 && !hasAccess) reasons.push("no_matching_rule_or_grant");
  return reasons;
}

/**
 * A search that looks like a phone number also matches inside the stored E.164 value: its digits,
 * without the national trunk prefix (07700 900123 → 7700900123, found in +447700900123).
 */
export function phoneDigitsOf(search: string): string | null {
  if (!/^[+\d\s().-]+$/.test(search.trim())) return null;
  const digits = search.replace(/\D/g, "").replace(/^0+/, "");
  return digits.length >= 3 ? digits : null;
}

export type ListUsersInput = Omit<AccessUserFilter, "facilityId" | "search" | "now"> & {
  facility: FacilityRef;
  search?: string | undefined;
  sort: UserSort;
  offset: number;
  limit: number;
};

/** The User Access list: one page, filtered and searched in the database. */
export async function listUsers({ ctx, input }: { ctx: Ctx; input: ListUsersInput }) {
  const search = input.search?.trim();
  const { rows, total } = await listAccessUsers(
    ctx.db,
    {
      facilityId: input.facility.id,
      search: search ? { text: search, phoneDigits: phoneDigitsOf(search) } : undefined,
      source: input.source,
      integrationId: input.integrationId,
      access: input.access,
      membershipStatus: input.membershipStatus,
      personType: input.personType,
      tag: input.tag,
      invitation: input.invitation,
      now: ctx.now(),
    },
    { offset: input.offset, limit: input.limit },
    input.sort,
  );
  // "Last synced" of the people a pass left unchanged comes from the pass's page records (ADR 0019).
  const passSynced = await passSyncedTimes(
    ctx.db,
    input.facility.id,
    rows.map((row) => row.id),
  );
  return {
    total,
    offset: input.offset,
    limit: input.limit,
    rows: rows.map((row) => ({
      id: row.id,
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      mobilePhone: row.mobilePhone,
      externalId: row.externalId,
      source: row.source,
      sourceLabel: sourceLabel(row.source, row.integrationName),
      trackSourceUpdates: row.trackSourceUpdates,
      disabledReasons: disabledReasons(row, row.hasAccess === 1),
      invitation: (row.invitationState ?? "not_invited") as InvitationState,
      personType: row.personType,
      membershipStatus: row.membershipStatus,
      lastSyncedAt: lastSyncedOf(row.lastSyncedAt, passSynced.get(row.id)),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    })),
  };
}

/** The stat tiles, counted with the one definition of effective access. */
export async function getUserTiles({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef } }) {
  return accessUserTiles(ctx.db, input.facility.id, ctx.now());
}

/** The chips' options from the facility's data; membership statuses with the friendly labels. */
export async function getUserFilterOptions({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef } }) {
  const facets = await accessUserFacets(ctx.db, input.facility.id);
  return {
    membershipStatuses: facets.membershipStatuses.map((value) => ({ value, label: membershipStatusLabel(value) })),
    personTypes: facets.personTypes,
    tags: facets.tags,
  };
}

/** The integrations a row's source can be (the list's source filter), connected or not. */
export async function listUserSources({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef } }) {
  const rows = await listOrganisationIntegrations(ctx.db, input.facility.organisationId);
  return { integrations: rows.map((row) => ({ id: row.id, name: row.name })) };
}

const HISTORY_LIMIT = 50;

/** The user panel: the row, its grants, effective access with the reason, and the person's door history. */
export async function getUser({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef; userId: string } }) {
  const found = await findAccessUser(ctx.db, input.facility.id, input.userId);
  if (!found) throw notFound("User");
  const [grants, history, ruleSet, passSynced] = await Promise.all([
    listGrants(ctx.db, found.user.id),
    listAccessLogForUser(ctx.db, input.facility.id, found.user.id, HISTORY_LIMIT),
    getAccessRuleSet(ctx.db, input.facility.id),
    passSyncedTimes(ctx.db, input.facility.id, [found.user.id]),
  ]);
  const { user } = found;
  const now = ctx.now();
  const decision = decideAccess(ruleSet, { ...user, hasGrant: grants.length > 0 }, now);
  const reasons = disabledReasons(user, decision.allowed);
  const graceRunning = user.graceUntil !== null && user.graceUntil > now;
  return {
    id: user.id,
    source: user.source,
    sourceLabel: sourceLabel(user.source, found.integrationName),
    integrationId: user.integrationId,
    externalId: user.externalId,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    mobilePhone: user.mobilePhone,
    personType: user.personType,
    membershipStatus: user.membershipStatus,
    syncedTags: user.syncedTags,
    lastSyncedAt: lastSyncedOf(user.lastSyncedAt, passSynced.get(user.id)),
    removedAtSourceAt: user.removedAtSourceAt,
    accessEnabled: user.accessEnabled,
    trackSourceUpdates: user.trackSourceUpdates,
    customTags: user.customTags,
    notes: user.notes,
    appMessage: user.appMessage,
    /** Manual rows always; synced rows only while decoupled (Track source updates off). */
    detailsEditable: isManualSource(user.source) || !user.trackSourceUpdates,
    access: {
      effective: decision.allowed,
      disabledReasons: reasons,
      /** When access ends by itself (paid-until or a grace end); null when no end is known. */
      until: decision.until,
      grace: graceRunning
        ? {
            until: user.graceUntil!,
            membershipStatus: user.graceStatus,
            membershipStatusLabel: user.graceStatus === null ? null : membershipStatusLabel(user.graceStatus),
          }
        : null,
      paidUntil: user.paidUntil,
    },
    invitation: found.invitation
      ? { ...found.invitation, state: found.invitation.state as InvitationState }
      : { state: "not_invited" as InvitationState, queuedAt: null, sentAt: null, error: null },
    grants,
    history,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

export type UserView = Awaited<ReturnType<typeof getUser>>;

/**
 * The panel's invitation button. It goes through the invitation outbox like "Send invitations…" (ADR
 * 0008): one row per person, so a click while the email is on its way joins it instead of sending a
 * second. "Resend" of a sent invitation is a new email under a new idempotency key; a failed one is
 * queued again.
 */
export async function sendUserInvitation({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; userId: string };
}) {
  const view = await getUser({ ctx, input });
  const name = [view.firstName, view.lastName].filter(Boolean).join(" ") || "This person";
  if (!view.email)
    throw badRequest(
      `${name} has no email address: invitations are sent by email. They can still sign in with their phone.`,
    );
  if (!view.access.effective)
    throw badRequest(`${name} has no access: an invitation is sent only to people who can open the doors`);
  await createInvitationBatch(ctx.db, {
    facilityId: input.facility.id,
    audience: { kind: "users", userIds: [view.id] },
    resend: view.invitation.state === "sent",
    createdBy: ctx.actor.email,
    now: ctx.now(),
  });
  await relayInvitationsAfterCommit(ctx);
  return getUser({ ctx, input });
}

export async function createManualUser({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: {
    facility: FacilityRef;
    firstName: string;
    lastName: string;
    email: string | null;
    mobilePhone: string | null;
  };
}) {
  const { facility, ...details } = input;
  const row = await insertManualUser(ctx.db, { facilityId: facility.id, ...details }, ctx.now());
  await refreshAccessGrace(ctx.db, [row.id], ctx.now());
  return getUser({ ctx, input: { facility, userId: row.id } });
}

/**
 * An admin's edit. Admin-owned fields always; the synced details only on manual rows or decoupled ones
 * (including a patch that decouples the row in the same write). Re-coupling hands the details back to
 * sync, so a patch cannot both re-couple and edit them.
 */
export async function updateUser({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; userId: string; patch: AccessUserPatch };
}) {
  const found = await findAccessUser(ctx.db, input.facility.id, input.userId);
  if (!found) throw notFound("User");
  const { user } = found;
  const { patch } = input;
  if (isManualSource(user.source) && patch.trackSourceUpdates !== undefined) {
    throw badRequest("Track source updates applies to synced users only");
  }
  const syncedFields = SYNCED_EDITABLE_FIELDS.filter((field) => patch[field] !== undefined);
  const tracking = patch.trackSourceUpdates ?? user.trackSourceUpdates;
  if (!isManualSource(user.source) && tracking && syncedFields.length > 0) {
    const names = syncedFields.map(fieldLabel).join(", ");
    throw conflict(`${names}: updated by sync. Turn off Track source updates to edit.`);
  }
  if (isManualSource(user.source)) {
    const email = patch.email !== undefined ? patch.email : user.email;
    const phone = patch.mobilePhone !== undefined ? patch.mobilePhone : user.mobilePhone;
    if (!email && !phone)
      throw badRequest("Enter an email or a mobile phone: people sign in with a code sent to one of them");
  }
  await updateAccessUser(ctx.db, input.facility.id, user.id, patch, ctx.now());
  // Custom tags, person type and status can change what the rules say; the grace follows (ADR 0010).
  await refreshAccessGrace(ctx.db, [user.id], ctx.now());
  return getUser({ ctx, input: { facility: input.facility, userId: user.id } });
}

const MAX_GRANTS = 100;

export async function addGrant({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; userId: string; name: string };
}) {
  const found = await findAccessUser(ctx.db, input.facility.id, input.userId);
  if (!found) throw notFound("User");
  const grants = await listGrants(ctx.db, found.user.id);
  if (grants.some((grant) => grant.name.toLowerCase() === input.name.toLowerCase())) {
    throw conflict(`${input.name} is already granted`);
  }
  if (grants.length >= MAX_GRANTS) throw badRequest(`A user can have at most ${MAX_GRANTS} grants`);
  try {
    await insertGrant(ctx.db, found.user.id, input.name, ctx.now());
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`${input.name} is already granted`);
    throw error;
  }
  return getUser({ ctx, input: { facility: input.facility, userId: found.user.id } });
}

export async function removeGrant({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; userId: string; grantId: string };
}) {
  const removed = await deleteGrant(ctx.db, input.facility.id, input.userId, input.grantId, ctx.now());
  if (!removed) throw notFound("Grant");
  return getUser({ ctx, input: { facility: input.facility, userId: input.userId } });
}
