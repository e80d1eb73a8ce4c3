import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from "libphonenumber-js";
import type { SourcePerson } from "./source-records";
import type { SyncedDetails } from "./ownership";

/** A contact value the record carried but which is not valid: it counts as missing, and entries say so. */
export type InvalidContacts = { email: boolean; mobilePhone: boolean };

export type NormalisedPerson = SyncedDetails & {
  externalId: string;
  updatedAt: number;
  invalid: InvalidContacts;
};

// Deliberately permissive (one @, a dot in the domain, no spaces): the source system owns the address;
// we only refuse what cannot be an address at all.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

export type NormalisedContact = { value: string | null; invalid: boolean };

export function normaliseEmail(raw: string | null): NormalisedContact {
  const email = raw?.trim().toLowerCase() ?? "";
  if (email === "") return { value: null, invalid: false };
  return EMAIL_PATTERN.test(email) ? { value: email, invalid: false } : { value: null, invalid: true };
}

/**
 * Normalises a phone to E.164, reading national formats in the facility's country.
 * "Valid" means a number that can exist in its country (libphonenumber's isPossible: the right
 * shape and length). Its stricter isValid also rejects ranges reserved for fiction, such as Ofcom's
 * 07700 900xxx that the source contract's own examples use, which would turn a partner's test data
 * into missing phones.
 * `alreadyValid` is the E.164 value the row holds: it was validated when stored, and re-parsing a
 * number that has not changed is the costliest step of an unchanged pass (libphonenumber builds
 * its regular expressions on every call).
 */
export function normalisePhone(raw: string | null, countryCode: string, alreadyValid?: string | null): NormalisedContact {
  const phone = raw?.trim() ?? "";
  if (phone === "") return { value: null, invalid: false };
  if (alreadyValid && phone === alreadyValid && E164_PATTERN.test(phone)) return { value: phone, invalid: false };
  const country = toCountryCode(countryCode);
  const parsed = parsePhoneNumberFromString(phone, country ? { defaultCountry: country } : undefined);
  if (!parsed || !parsed.isPossible()) return { value: null, invalid: true };
  return { value: parsed.number, invalid: false };
}

function toCountryCode(code: string): CountryCode | undefined {
  const upper = code.toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

function trimmed(value: string | null): string {
  return value?.trim() ?? "";
}

function trimmedOrNull(value: string | null): string | null {
  const text = value?.trim() ?? "";
  return text === "" ? null : text;
}

export function normaliseTags(tags: readonly string[]): string[] {
  if (isNormalisedTagList(tags)) return tags.slice();
  const set = new Set<string>();
  for (const tag of tags) {
    const text = tag.trim();
    if (text !== "") set.add(text);
  }
  return [...set].sort();
}

/** Partners usually send tags already clean and sorted; checking is cheaper than rebuilding. */
function isNormalisedTagList(tags: readonly string[]): boolean {
  for (let i = 0; i < tags.length; i += 1) {
    const tag = tags[i] as string;
    if (tag === "" || tag.trim() !== tag) return false;
    if (i > 0 && !((tags[i - 1] as string) < tag)) return false;
  }
  return true;
}

export function normalisePerson(
  person: SourcePerson,
  context: { countryCode: string; storedPhone?: string | null },
): NormalisedPerson {
  const email = normaliseEmail(person.email);
  const phone = normalisePhone(person.mobilePhone, context.countryCode, context.storedPhone);
  return {
    externalId: person.externalId,
    firstName: trimmed(person.firstName),
    lastName: trimmed(person.lastName),
    email: email.value,
    mobilePhone: phone.value,
    personType: trimmedOrNull(person.personType),
    membershipStatus: trimmedOrNull(person.membershipStatus),
    syncedTags: normaliseTags(person.tags),
    updatedAt: person.updatedAt,
    invalid: { email: email.invalid, mobilePhone: phone.invalid },
  };
}
