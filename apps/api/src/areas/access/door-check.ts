import { loadDoorCheck, type DoorIdentifier } from "@uas/db";
import { decideAccess, normaliseEmail, normalisePhone, type AccessDecision } from "@uas/domain";
import { eq } from "drizzle-orm";
import { facility } from "@uas/db";
import type { Ctx } from "../../context";
import { AppError, notFound } from "../../errors";
import { hashDoorApiKey, sameDigest } from "./door-keys";

export type DoorQuestion = {
  facilityId: string;
  identifier: { userId: string } | { email: string } | { phone: string };
  /** The bearer token the door presented. */
  key: string;
};

export type DoorAnswer = { allowed: boolean; reason: AccessDecision["reason"]; until: string | null };

const unauthorized = () => new AppError("unauthorized", "Missing or wrong door API key");

/**
 * May this person open this facility's doors now? The key, the person's rows and the rules are read
 * in one batch (one round trip); a key that does not match answers 401 before anything about
 * the person is used. An email or phone may name several rows (a manual and a synced one): any that
 * is allowed admits, with the latest end.
 */
export async function checkDoorAccess({ ctx, input }: { ctx: Ctx; input: DoorQuestion }): Promise<DoorAnswer> {
  const now = ctx.now();
  const identifier = await doorIdentifier(ctx, input);
  const [{ keyHash, candidates, ruleSet }, presentedHash] = await Promise.all([
    loadDoorCheck(ctx.db, { facilityId: input.facilityId, identifier, now }),
    hashDoorApiKey(input.key),
  ]);
  if (keyHash === null || !sameDigest(keyHash, presentedHash)) throw unauthorized();
  if (candidates.length === 0) throw notFound("User");
  const decisions = candidates.map((row) => decideAccess(ruleSet, row, now));
  const allowed = decisions.filter((d) => d.allowed);
  const answer =
    allowed.length === 0
      ? decisions[0]!
      : allowed.reduce((best, d) => (best.until === null ? best : d.until === null || d.until > best.until ? d : best));
  return {
    allowed: answer.allowed,
    reason: answer.reason,
    until: answer.until === null ? null : new Date(answer.until).toISOString(),
  };
}

/** Emails and phones are matched as sync stores them: lower-cased email, E.164 phone in the facility's country. */
async function doorIdentifier(ctx: Ctx, input: DoorQuestion): Promise<DoorIdentifier | null> {
  if ("userId" in input.identifier) return { userId: input.identifier.userId };
  if ("email" in input.identifier)
    return { email: normaliseEmail(input.identifier.email).value ?? input.identifier.email };
  const [row] = await ctx.db
    .select({ countryCode: facility.countryCode })
    .from(facility)
    .where(eq(facility.id, input.facilityId));
  const phone = normalisePhone(input.identifier.phone, row?.countryCode ?? "").value;
  return phone ? { mobilePhone: phone } : null;
}
