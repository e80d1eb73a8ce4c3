import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from "libphonenumber-js";
import { Metadata, parsePhoneNumberFromString as parseWithMetadata, type MetadataJson } from "libphonenumber-js/core";
import metadata from "libphonenumber-js/min/metadata";
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
export function normalisePhone(
  raw: string | null,
  countryCode: string,
  alreadyValid?: string | null,
): NormalisedContact {
  const phone = raw?.trim() ?? "";
  if (phone === "") return { value: null, invalid: false };
  if (alreadyValid && phone === alreadyValid && E164_PATTERN.test(phone)) return { value: phone, invalid: false };
  const country = toCountryCode(countryCode);
  const options = country ? { defaultCountry: country } : undefined;
  const e164 = E164_PATTERN.test(phone);
  // National numbers need the facility's country; anything else (formatted international numbers) the full parse reads.
  const fast = e164 || (country && phone[0] !== "+") ? normaliseFast(phone, options, e164) : undefined;
  if (fast !== undefined) return fast;
  const parsed = parsePhoneNumberFromString(phone, options);
  if (!parsed?.isPossible()) return { value: null, invalid: true };
  return { value: parsed.number, invalid: false };
}

/**
 * The answer libphonenumber gives, without its costliest step (about 120 µs a number). Where several
 * countries share a calling code (+44: GB, GG, IM, JE; +1: the US, Canada, …), parsing picks the exact
 * country by testing the number against each one's patterns, building their regular expressions on
 * every call; isPossible then checks the national number's length against that country's possible
 * lengths. The E.164 number itself does not depend on the pick: a national number's prefix is stripped
 * with the facility country's plan, an international one's with its calling code's main plan, before
 * the pick. When every country of the calling code agrees on the length, the pick cannot change the
 * answer either. So the number is parsed with metadata that lists only each calling code's main country
 * (everything else as it is), and the length is checked against all of them. Where the pick could matter
 * (a national prefix left on the number, countries that disagree on the length) this returns undefined
 * and the full parse decides. A calling code of one country parses exactly as with the full metadata.
 * test/normalise-e164.property.test.ts compares both against the full parse.
 */
function normaliseFast(
  phone: string,
  options: { defaultCountry: CountryCode } | undefined,
  e164: boolean,
): NormalisedContact | undefined {
  const parsed = parseWithMetadata(phone, options ?? {}, mainCountryMetadata);
  if (!parsed) return undefined;
  const plan = callingCodePlan(parsed.countryCallingCode);
  if (plan === "single")
    return parsed.isPossible() ? { value: parsed.number, invalid: false } : { value: null, invalid: true };
  if (plan === null || (e164 && parsed.number !== phone) || plan.nationalPrefix?.test(parsed.nationalNumber))
    return undefined;
  const length = parsed.nationalNumber.length;
  let possible: boolean | undefined;
  for (const lengths of plan.lengths) {
    const verdict = lengths.includes(length);
    if (possible !== undefined && verdict !== possible) return undefined;
    possible = verdict;
  }
  return possible ? { value: parsed.number, invalid: false } : { value: null, invalid: true };
}

const mainCountryMetadata = {
  ...metadata,
  country_calling_codes: Object.fromEntries(
    Object.entries(metadata.country_calling_codes).map(([code, countries]) => [code, countries.slice(0, 1)]),
  ),
} as MetadataJson;

/** The countries' possible lengths and the main country's national prefix pattern; "single": one country. */
type CallingCodePlan = { lengths: readonly (readonly number[])[]; nationalPrefix: RegExp | null } | "single" | null;
type NumberingPlanInternals = {
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
};
const callingCodePlans = new Map<string, CallingCodePlan>();

function callingCodePlan(callingCode: string): CallingCodePlan {
  let plan = callingCodePlans.get(callingCode);
  if (plan === undefined) {
    plan = readCallingCodePlan(callingCode);
    callingCodePlans.set(callingCode, plan);
  }
  return plan;
}

function readCallingCodePlan(callingCode: string): CallingCodePlan {
  const countries = (metadata.country_calling_codes as Record<string, CountryCode[] | undefined>)[callingCode] ?? [];
  if (countries.length <= 1) return "single";
  const read = new Metadata(metadata);
  const planOf = (country: CountryCode) => {
    read.selectNumberingPlan(country);
    return read.numberingPlan as unknown as NumberingPlanInternals;
  };
  const lengths: number[][] = [];
  for (const country of countries) {
    const possible = planOf(country).possibleLengths();
    // Without possible lengths libphonenumber answers differently (or throws): leave it to the full parse.
    if (!possible) return null;
    lengths.push(possible);
  }
  // The pattern parsing tries on the national number before stripping a prefix (main country's plan).
  const prefix = planOf(countries[0] as CountryCode).nationalPrefixForParsing();
  return { lengths, nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null };
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
