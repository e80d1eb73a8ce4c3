import { ACCESS_FOREVER, readDoorAnswer, type Db, type DoorIdentifier } from "@uas/db";
import { normaliseEmail, normalisePhone, type AccessDecision } from "@uas/domain";
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
 * Each facility's country as the last check read it, per isolate: only how a national phone number is
 * read. Every check reads the country again with its answer, and a phone read with a country that has
 * since changed is asked again, so a stale entry costs one round trip and never a wrong answer.
 */
const countries = new Map<string, string>();
const COUNTRIES_KEPT = 10_000;

/**
 * May this person open this facility's doors now? One statement (readDoorAnswer) reads the key's hash
 * and the person's stored answer (`access_user.access_until`, the one definition kept by triggers);
 * a key that does not match answers 401 before anything about the person is used. Nothing about the
 * key is cached: a rotated key stops working at once. An email or phone may name several rows (a manual
 * and a synced one): any that is allowed admits, with the latest end.
 */
export async function checkDoorAccess({
  db,
  now,
  input,
}: {
  db: Db;
  now: number;
  input: DoorQuestion;
}): Promise<DoorAnswer> {
  const presentedHash = hashDoorApiKey(input.key);
  let country = countries.get(input.facilityId);
  let read = await readDoorAnswer(db, { facilityId: input.facilityId, identifier: doorIdentifier(input, country) });
  if ("phone" in input.identifier && read.facilityFound && read.countryCode !== (country ?? "")) {
    // The phone was read without the facility's country (first check here, or it changed): read it again.
    country = read.countryCode;
    read = await readDoorAnswer(db, { facilityId: input.facilityId, identifier: doorIdentifier(input, country) });
  }
  if (read.facilityFound) {
    if (countries.size >= COUNTRIES_KEPT) countries.clear();
    countries.set(input.facilityId, read.countryCode);
  }
  if (read.keyHash === null || !sameDigest(read.keyHash, await presentedHash)) throw unauthorized();
  if (read.rows.length === 0) throw notFound("User");
  // decideAccess's answer, read from the stored end (test/stored-access.test.ts proves they agree).
  const allowed = read.rows.filter((row) => row.accessUntil > now);
  if (allowed.length === 0) {
    const [row] = read.rows;
    const reason = !row!.accessEnabled
      ? "access_disabled"
      : row!.removedAtSource
        ? "removed_at_source"
        : "no_matching_rule_or_grant";
    return { allowed: false, reason, until: null };
  }
  const until = Math.max(...allowed.map((row) => row.accessUntil));
  return { allowed: true, reason: null, until: until >= ACCESS_FOREVER ? null : new Date(until).toISOString() };
}

/** Emails and phones are matched as sync stores them: lower-cased email, E.164 phone in the facility's country. */
function doorIdentifier(input: DoorQuestion, countryCode: string | undefined): DoorIdentifier | null {
  if ("userId" in input.identifier) return { userId: input.identifier.userId };
  if ("email" in input.identifier)
    return { email: normaliseEmail(input.identifier.email).value ?? input.identifier.email };
  const phone = normalisePhone(input.identifier.phone, countryCode ?? "").value;
  return phone ? { mobilePhone: phone } : null;
}
