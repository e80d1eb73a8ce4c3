import { SOURCE_KINDS, type SyncSource } from "../sources/kinds";
import type { RequireIdentifier } from "../vocabulary";
import type { InvalidContacts } from "./normalise";

/** Skip reasons, word for word from the help page's table. */
export const SKIP_REASONS = {
  integrationSourceOff: SOURCE_KINDS.integration.offReason,
  cctvSourceOff: SOURCE_KINDS.cctv.offReason,
  integrationOptedOut: "This integration is turned off in sync settings",
  missingIdentifier: "No phone or email on the record (a phone or email is required to log in)",
  decoupled: "Record is decoupled and managed manually",
  noFacility: "No facility on the source record",
  noMatchingRow: "No matching User Access record",
} as const;

/** Reasons on Disabled entries: why the person counts as removed at the source. */
export const REMOVAL_REASONS = {
  removedAtSource: "Removed at the source",
  noLongerAtFacility: "No longer at a location mapped to this facility",
  absentFromListing: "No longer in the source's listing for this facility",
} as const;

export const INVALID_EMAIL_NOTE = "the email on the record is not a valid email address";
export const INVALID_PHONE_NOTE = "the phone on the record is not a valid phone number";

export function sourceOffReason(source: SyncSource): string {
  return SOURCE_KINDS[source].offReason;
}

type Contacts = { email: string | null; mobilePhone: string | null; invalid: InvalidContacts };

/**
 * The Require identifier check. Returns null when the record may sync, otherwise the skip reason
 * worded for the rule in force, noting any value that was present but invalid.
 */
export function requireIdentifierFailure(rule: RequireIdentifier, contacts: Contacts): string | null {
  const hasEmail = contacts.email !== null;
  const hasPhone = contacts.mobilePhone !== null;
  const sentence = missingSentence(rule, hasEmail, hasPhone);
  if (sentence === null) return null;
  const notes = invalidNotes(contacts.invalid, rule);
  return notes.length === 0 ? sentence : `${sentence}; ${notes.join("; ")}`;
}

function missingSentence(rule: RequireIdentifier, hasEmail: boolean, hasPhone: boolean): string | null {
  switch (rule) {
    case "email_or_phone":
      return hasEmail || hasPhone ? null : SKIP_REASONS.missingIdentifier;
    case "email":
      return hasEmail ? null : "No email on the record (an email is required by this facility)";
    case "phone":
      return hasPhone ? null : "No phone on the record (a phone is required by this facility)";
    case "both": {
      const requirement = "(a phone and an email are both required by this facility)";
      if (!hasEmail && !hasPhone) return `No phone or email on the record ${requirement}`;
      if (!hasEmail) return `No email on the record ${requirement}`;
      if (!hasPhone) return `No phone on the record ${requirement}`;
      return null;
    }
  }
}

/** Only the values the rule looks at are worth mentioning in a skip. */
function invalidNotes(invalid: InvalidContacts, rule: RequireIdentifier): string[] {
  const notes: string[] = [];
  if (invalid.email && rule !== "phone") notes.push(INVALID_EMAIL_NOTE);
  if (invalid.mobilePhone && rule !== "email") notes.push(INVALID_PHONE_NOTE);
  return notes;
}

/**
 * Every note `invalidContactsNote` can write, in a fixed order: a page record stores a note by its index
 * here (ADR 0019), a few bytes instead of the sentence for every such person every night. Append only.
 */
export const PROCESSED_NOTES: readonly string[] = [
  { email: true, mobilePhone: false },
  { email: false, mobilePhone: true },
  { email: true, mobilePhone: true },
].map((invalid) => invalidContactsNote(invalid) as string);

/** On a record that synced, an invalid value is still worth telling the admin about. */
export function invalidContactsNote(invalid: InvalidContacts): string | null {
  const notes: string[] = [];
  if (invalid.email) notes.push(INVALID_EMAIL_NOTE);
  if (invalid.mobilePhone) notes.push(INVALID_PHONE_NOTE);
  if (notes.length === 0) return null;
  return notes.map((note) => `${note.charAt(0).toUpperCase()}${note.slice(1)}, so it was left empty.`).join(" ");
}
