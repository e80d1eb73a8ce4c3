import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  parsePhoneNumberFromString,
  isSupportedCountry,
  getCountries,
  getCountryCallingCode,
  type CountryCode,
} from "libphonenumber-js";
import { normalisePhone } from "../src";

/** libphonenumber's own answer (the full parse): what normalisePhone must always give. */
function reference(raw: string, countryCode: string) {
  const phone = raw.trim();
  if (phone === "") return { value: null, invalid: false };
  const upper = countryCode.toUpperCase();
  const country = isSupportedCountry(upper) ? upper : undefined;
  const parsed = parsePhoneNumberFromString(phone, country ? { defaultCountry: country } : undefined);
  if (!parsed?.isPossible()) return { value: null, invalid: true };
  return { value: parsed.number, invalid: false };
}

const countries = getCountries();
const callingCodes = [...new Set(countries.map((c) => getCountryCallingCode(c)))];
// Calling codes several countries share: where the fast path skips picking the exact country.
const shared = ["1", "44", "7", "61", "47", "212", "262", "290", "358", "590", "599"];

describe("E.164 numbers: the fast path answers exactly as libphonenumber", () => {
  it("every calling code, national numbers of every length 1–14, any facility country", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...callingCodes, ...shared, ...shared),
        fc.stringMatching(/^[0-9]{1,14}$/),
        fc.constantFrom<string>(...countries, "GB", "JE", "US", "CA", "XX"),
        (code, digits, country) => {
          const raw = `+${code}${digits}`;
          expect(normalisePhone(raw, country)).toEqual(reference(raw, country));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    // +44: GB allows 7, 9 and 10 digits, Jersey, Guernsey and the Isle of Man only 10.
    "+447911123456",
    "+441534123456",
    "+441481123456",
    "+441624123456",
    "+44800123456",
    "+448001234",
    "+4408001234567",
    "+4407911123456",
    "+44791112345",
    "+4479111234567",
    // +1: Canada and the rest differ on 7 digits; a leading 1 is NANPA's national prefix.
    "+12025550143",
    "+14165550123",
    "+1555012",
    "+11234567890",
    "+1202555014",
    "+114165550",
    "+1141655501",
    // +7, +61 and single-country codes.
    "+79161234567",
    "+77011234567",
    "+61412345678",
    "+61891621234",
    "+33612345678",
    "+4915112345678",
    "+80012345678",
    "+88213456789",
  ])("%s", (raw) => {
    for (const country of ["GB", "JE", "IM", "US", "CA", "AU", "KZ", "FR", "??"] as (CountryCode | "??")[]) {
      expect(normalisePhone(raw, country)).toEqual(reference(raw, country));
    }
  });
});

describe("national numbers: the fast path answers exactly as libphonenumber", () => {
  it("any facility country, digits with or without a national prefix, spaced or not", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<string>(...countries, "GB", "GB", "JE", "IM", "US", "CA", "AU", "IT", "AR", "MX", "KZ", "XX"),
        fc.constantFrom("", "0", "1", "8", "00", "011"),
        fc.stringMatching(/^[0-9]{1,14}$/),
        fc.boolean(),
        (country, prefix, digits, spaced) => {
          const number = `${prefix}${digits}`;
          const raw = spaced ? number.replace(/(\d{4})(?=\d)/g, "$1 ") : number;
          expect(normalisePhone(raw, country)).toEqual(reference(raw, country));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it.each([
    "07911 123456",
    "07700 900123",
    "01534 123456",
    "01624 123456",
    "0800 123456",
    "020 7946 0018",
    "(202) 555-0143",
    "1 416 555 0123",
    "0412 345 678",
    "06 12 34 56 78",
    "0044 7911 123456",
    "011 44 7911 123456",
    "8 916 123 45 67",
    "06 1234 5678",
  ])("%s", (raw) => {
    for (const country of ["GB", "JE", "IM", "GG", "US", "CA", "AU", "KZ", "RU", "FR", "IT", "NL", "??"] as (
      | CountryCode
      | "??"
    )[]) {
      expect(normalisePhone(raw, country)).toEqual(reference(raw, country));
    }
  });
});
