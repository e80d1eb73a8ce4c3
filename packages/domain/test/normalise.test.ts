import { describe, expect, it } from "vitest";
import { normaliseEmail, normalisePhone, normaliseTags, normalisePerson } from "../src";
import { person } from "./fixtures";

describe("emails", () => {
  it("are trimmed and lower-cased", () => {
    expect(normaliseEmail("  Ada.Lovelace@Example.COM ")).toEqual({
      value: "ada.lovelace@example.com",
      invalid: false,
    });
  });
  it("empty counts as missing, not invalid", () => {
    expect(normaliseEmail(null)).toEqual({ value: null, invalid: false });
    expect(normaliseEmail("   ")).toEqual({ value: null, invalid: false });
  });
  it.each(["not-an-email", "missing-domain@", "@example.com", "a@b", "a b@example.com", "a@@example.com"])(
    "%s is invalid and counts as missing",
    (raw) => expect(normaliseEmail(raw)).toEqual({ value: null, invalid: true }),
  );
});

describe("phones", () => {
  it.each([
    ["+447911123456", "GB", "+447911123456"],
    ["07911 123456", "GB", "+447911123456"],
    ["+44 7911 123456", "GB", "+447911123456"],
    ["0044 7911 123456", "GB", "+447911123456"],
    ["07700 900123", "GB", "+447700900123"],
    ["(201) 555-0123", "US", "+12015550123"],
    ["201-555-0123", "US", "+12015550123"],
    ["+1 202-555-0143", "GB", "+12025550143"],
    ["+44 20 7946 0958", "US", "+442079460958"],
  ])("%s in %s → %s", (raw, country, e164) => {
    expect(normalisePhone(raw, country)).toEqual({ value: e164, invalid: false });
  });

  it("a national number is read in the facility's country", () => {
    expect(normalisePhone("020 7946 0958", "GB").value).toBe("+442079460958");
    expect(normalisePhone("020 7946 0958", "US")).toEqual({ value: null, invalid: true });
    expect(normalisePhone("(201) 555-0123", "GB").value).toBe("+442015550123");
  });

  it.each([["12345"], ["not-a-phone"], ["+44 1"], ["555-0123"], ["07911 1234567"]])(
    "%s is invalid and counts as missing",
    (raw) => {
      expect(normalisePhone(raw, raw === "555-0123" ? "US" : "GB")).toEqual({ value: null, invalid: true });
    },
  );

  it("empty counts as missing, not invalid", () => {
    expect(normalisePhone("  ", "GB")).toEqual({ value: null, invalid: false });
  });

  it("trusts the E.164 value the row already holds without parsing it again", () => {
    // A stored value is reused only when the record carries exactly it.
    expect(normalisePhone("+447911123456", "GB", "+447911123456")).toEqual({ value: "+447911123456", invalid: false });
    expect(normalisePhone("12345", "GB", "+447911123456").invalid).toBe(true);
  });
});

describe("records", () => {
  it("trim names, fold blanks to null, and keep tags as a sorted set", () => {
    expect(normaliseTags([" pool", "gold", "pool", "  "])).toEqual(["gold", "pool"]);
    const normalised = normalisePerson(
      person({
        firstName: "  Ada ",
        lastName: null,
        personType: "  ",
        membershipStatus: " active ",
        email: "bad",
        mobilePhone: "12345",
      }),
      { countryCode: "GB" },
    );
    expect(normalised).toMatchObject({
      firstName: "Ada",
      lastName: "",
      personType: null,
      membershipStatus: "active",
      email: null,
      mobilePhone: null,
      invalid: { email: true, mobilePhone: true },
    });
  });
});
