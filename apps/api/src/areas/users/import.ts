import { applyUserImport, listOrganisationIntegrations, planUserImport, UserImportStaleError } from "@uas/db";
import { parseUserImport, type ImportPerson } from "@uas/domain";
import type { AdminCtx } from "../../context";
import { badRequest, conflict } from "../../errors";
import { sourceLabel } from "./service";

type FacilityRef = { id: string; organisationId: string; countryCode: string };

/** Lines listed by name in the preview (the counts cover them all; rejected lines are all listed). */
const SAMPLE = 200;

const FIELD_LABELS = {
  firstName: "First name",
  lastName: "Last name",
  email: "Email",
  mobilePhone: "Mobile phone",
  personType: "Person type",
  membershipStatus: "Membership status",
  customTags: "Custom tags",
} as const;

function readFile(csv: string, countryCode: string) {
  const parsed = parseUserImport(csv, countryCode);
  if (!parsed.ok) throw badRequest(parsed.error);
  return parsed;
}

const personName = (p: Pick<ImportPerson, "firstName" | "lastName">) =>
  [p.firstName, p.lastName].filter(Boolean).join(" ");

/** "Import (CSV)" step one: what the file would do, and every line it cannot import. Writes nothing. */
export async function previewUserImport({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; csv: string };
}) {
  const parsed = readFile(input.csv, input.facility.countryCode);
  const plan = await planUserImport(ctx.db, input.facility.id, parsed.people);
  const integrations =
    plan.keptSynced.length > 0 ? await listOrganisationIntegrations(ctx.db, input.facility.organisationId) : [];
  const integrationName = (id: string | null) => integrations.find((i) => i.id === id)?.name ?? null;
  const rejected = [...parsed.rejected, ...plan.rejected].sort((a, b) => a.line - b.line);
  return {
    fingerprint: plan.fingerprint,
    counts: {
      add: plan.toAdd.length,
      update: plan.toUpdate.length,
      unchanged: plan.unchanged.length,
      keptSynced: plan.keptSynced.length,
      rejected: rejected.length,
    },
    toAdd: plan.toAdd
      .slice(0, SAMPLE)
      .map((p) => ({ line: p.line, name: personName(p), email: p.email, mobilePhone: p.mobilePhone })),
    toUpdate: plan.toUpdate.slice(0, SAMPLE).map((u) => ({
      line: u.line,
      name: u.name,
      fields: Object.keys(u.patch).map((field) => FIELD_LABELS[field as keyof typeof FIELD_LABELS]),
    })),
    keptSynced: plan.keptSynced.slice(0, SAMPLE).map((k) => ({
      line: k.line,
      name: k.name,
      sourceLabel: sourceLabel(k.source, integrationName(k.integrationId)),
    })),
    rejected,
  };
}

/**
 * Step two: the same file with the preview's fingerprint. Matched again and written in one transaction;
 * if a user changed since the preview, nothing is written and the admin previews again.
 */
export async function applyUserImportFile({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; csv: string; fingerprint: string };
}) {
  const parsed = readFile(input.csv, input.facility.countryCode);
  try {
    return await applyUserImport(ctx.db, {
      organisationId: input.facility.organisationId,
      facilityId: input.facility.id,
      people: parsed.people,
      fingerprint: input.fingerprint,
      actorUserId: ctx.actor.userId,
      now: ctx.now(),
    });
  } catch (error) {
    if (error instanceof UserImportStaleError) throw conflict(error.message);
    throw error;
  }
}
