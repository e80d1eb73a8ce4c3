import { describe, expect, it } from "vitest";
import { PROCESSED_NOTES, SKIP_REASONS, requireIdentifierFailure, sourceOffReason } from "../src";

const none = { email: false, mobilePhone: false };
const contacts = (email: string | null, mobilePhone: string | null, invalid = none) => ({
  email,
  mobilePhone,
  invalid,
});

describe("skip reasons, word for word from the help page", () => {
  it("keeps the table's sentences", () => {
    expect(SKIP_REASONS).toEqual({
      integrationSourceOff: "Integration sync is turned off for this facility",
      cctvSourceOff: "CCTV/Computer Vision sync is turned off for this facility",
      integrationOptedOut: "This integration is turned off in sync settings",
      missingIdentifier: "No phone or email on the record (a phone or email is required to log in)",
      decoupled: "Record is decoupled and managed manually",
      noFacility: "No facility on the source record",
      noMatchingRow: "No matching User Access record",
    });
    expect(sourceOffReason("integration")).toBe("Integration sync is turned off for this facility");
    expect(sourceOffReason("cctv")).toBe("CCTV/Computer Vision sync is turned off for this facility");
  });
});

describe("Require identifier", () => {
  it("Email OR phone: either one passes, neither is the help page's sentence", () => {
    expect(requireIdentifierFailure("email_or_phone", contacts("a@b.co", null))).toBeNull();
    expect(requireIdentifierFailure("email_or_phone", contacts(null, "+447911123456"))).toBeNull();
    expect(requireIdentifierFailure("email_or_phone", contacts(null, null))).toBe(
      "No phone or email on the record (a phone or email is required to log in)",
    );
  });

  it("Email required", () => {
    expect(requireIdentifierFailure("email", contacts("a@b.co", null))).toBeNull();
    expect(requireIdentifierFailure("email", contacts(null, "+447911123456"))).toBe(
      "No email on the record (an email is required by this facility)",
    );
  });

  it("Phone required", () => {
    expect(requireIdentifierFailure("phone", contacts(null, "+447911123456"))).toBeNull();
    expect(requireIdentifierFailure("phone", contacts("a@b.co", null))).toBe(
      "No phone on the record (a phone is required by this facility)",
    );
  });

  it("Both required names what is missing", () => {
    expect(requireIdentifierFailure("both", contacts("a@b.co", "+447911123456"))).toBeNull();
    expect(requireIdentifierFailure("both", contacts("a@b.co", null))).toBe(
      "No phone on the record (a phone and an email are both required by this facility)",
    );
    expect(requireIdentifierFailure("both", contacts(null, "+447911123456"))).toBe(
      "No email on the record (a phone and an email are both required by this facility)",
    );
    expect(requireIdentifierFailure("both", contacts(null, null))).toBe(
      "No phone or email on the record (a phone and an email are both required by this facility)",
    );
  });

  it("says when a value was present but invalid", () => {
    expect(requireIdentifierFailure("email_or_phone", contacts(null, null, { email: true, mobilePhone: false }))).toBe(
      "No phone or email on the record (a phone or email is required to log in); the email on the record is not a valid email address",
    );
    expect(requireIdentifierFailure("email_or_phone", contacts(null, null, { email: true, mobilePhone: true }))).toBe(
      "No phone or email on the record (a phone or email is required to log in); the email on the record is not a valid email address; the phone on the record is not a valid phone number",
    );
    // Only what the rule looks at is mentioned.
    expect(requireIdentifierFailure("phone", contacts(null, null, { email: true, mobilePhone: true }))).toBe(
      "No phone on the record (a phone is required by this facility); the phone on the record is not a valid phone number",
    );
  });
});

describe("Processed notes kept by index in page records", () => {
  it("keeps every note at the index stored records name it by (append only)", () => {
    expect(PROCESSED_NOTES).toEqual([
      "The email on the record is not a valid email address, so it was left empty.",
      "The phone on the record is not a valid phone number, so it was left empty.",
      "The email on the record is not a valid email address, so it was left empty. The phone on the record is not a valid phone number, so it was left empty.",
    ]);
  });
});
