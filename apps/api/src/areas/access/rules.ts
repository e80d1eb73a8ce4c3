import {
  accessRuleVocabulary,
  auditEntry,
  findDoorApiKey,
  getAccessRuleSet,
  previewAccessRuleSet,
  saveAccessRuleSet,
  saveDoorApiKey,
} from "@uas/db";
import { membershipStatusLabel, personTypeLabel, preselectedStatuses, type AccessRuleSet } from "@uas/domain";
import type { AdminCtx } from "../../context";
import { badRequest } from "../../errors";
import { newDoorApiKey } from "./door-keys";

type FacilityRef = { id: string; organisationId: string };

const PREVIEW_SAMPLE = 10;

/** Settings → Access Rules: the facility's set, what its data offers, and the door key's public part. */
export async function getAccessRulesView({ ctx, input }: { ctx: AdminCtx; input: { facility: FacilityRef } }) {
  const [ruleSet, vocabulary, doorKey] = await Promise.all([
    getAccessRuleSet(ctx.db, input.facility.id),
    accessRuleVocabulary(ctx.db, input.facility.id),
    findDoorApiKey(ctx.db, input.facility.id),
  ]);
  return {
    facilityId: input.facility.id,
    saved: ruleSet.saved,
    updatedAt: ruleSet.updatedAt,
    ruleSet: { rules: ruleSet.rules, graceDays: ruleSet.graceDays },
    personTypes: vocabulary.personTypes.map((value) => ({ value, label: personTypeLabel(value) })),
    statuses: vocabulary.statuses.map((value) => ({ value, label: membershipStatusLabel(value) })),
    tags: vocabulary.tags,
    preselectedStatuses: preselectedStatuses(vocabulary.statuses),
    doorKey: doorKey ? { prefix: doorKey.keyPrefix, createdAt: doorKey.createdAt } : null,
  };
}

function checkRuleSet(ruleSet: AccessRuleSet) {
  ruleSet.rules.forEach((rule, i) => {
    if (rule.kind === "tags" && rule.tags.length === 0) throw badRequest(`rules.${i}.tags: choose at least one tag`);
  });
}

export async function previewAccessRules({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; ruleSet: AccessRuleSet };
}) {
  checkRuleSet(input.ruleSet);
  return previewAccessRuleSet(ctx.db, {
    facilityId: input.facility.id,
    candidate: input.ruleSet,
    now: ctx.now(),
    sampleSize: PREVIEW_SAMPLE,
  });
}

/** Saves the set (audited with the effect it has at this moment) and answers the view. */
export async function saveAccessRules({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; ruleSet: AccessRuleSet };
}) {
  checkRuleSet(input.ruleSet);
  const now = ctx.now();
  const effect = await previewAccessRuleSet(ctx.db, {
    facilityId: input.facility.id,
    candidate: input.ruleSet,
    now,
    sampleSize: 0,
  });
  await saveAccessRuleSet(ctx.db, {
    organisationId: input.facility.organisationId,
    facilityId: input.facility.id,
    ruleSet: input.ruleSet,
    actorUserId: ctx.actor.userId,
    now,
    effect: { lose: effect.lose, gain: effect.gain },
  });
  return getAccessRulesView({ ctx, input: { facility: input.facility } });
}

/** A new door key for the facility, replacing the old one at once; the key itself is answered only here. */
export async function rotateDoorApiKey({ ctx, input }: { ctx: AdminCtx; input: { facility: FacilityRef } }) {
  const now = ctx.now();
  const key = await newDoorApiKey();
  await ctx.db.transaction(async (tx) => {
    await saveDoorApiKey(tx, {
      facilityId: input.facility.id,
      keyHash: key.hash,
      keyPrefix: key.prefix,
      createdBy: ctx.actor.userId,
      now,
    });
    await tx.insert(auditEntry).values({
      organisationId: input.facility.organisationId,
      facilityId: input.facility.id,
      actorUserId: ctx.actor.userId,
      action: "door_api_key.rotated",
      detail: { prefix: key.prefix },
      at: now,
    });
  });
  return { key: key.key, prefix: key.prefix, createdAt: now };
}
