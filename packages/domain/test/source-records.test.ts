import { describe, expect, it } from "vitest";
import { parseListingRecord, parseSourceEvent } from "../src";

const member = {
  external_id: "M-1042",
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  mobile_phone: "+447700900123",
  person_type: "member",
  membership_status: "active",
  tags: ["gold", "pool"],
  location_ids: ["loc-north"],
  updated_at: "2026-11-24T09:59:58Z",
};

describe("the contract's record shapes", () => {
  it("reads the contract's member.upserted example", () => {
    const parsed = parseSourceEvent("integration", { type: "member.upserted", data: member });
    expect(parsed).toEqual({
      ok: true,
      change: {
        kind: "upsert",
        person: {
          externalId: "M-1042",
          firstName: "Ada",
          lastName: "Lovelace",
          email: "ada@example.com",
          mobilePhone: "+447700900123",
          personType: "member",
          membershipStatus: "active",
          tags: ["gold", "pool"],
          locationIds: ["loc-north"],
          updatedAt: Date.UTC(2026, 10, 24, 9, 59, 58),
        },
      },
    });
  });

  it("reads removals, and CCTV people with the facility from the path", () => {
    expect(
      parseSourceEvent("integration", {
        type: "member.removed",
        data: { external_id: "M-1042", location_ids: ["loc-north"], updated_at: "2026-11-24T10:05:00Z" },
      }),
    ).toMatchObject({
      ok: true,
      change: { kind: "removal", removal: { externalId: "M-1042", locationIds: ["loc-north"] } },
    });
    expect(
      parseSourceEvent("cctv", {
        type: "person.identified",
        data: {
          person_id: "cv-88",
          first_name: "Grace",
          last_name: "Hopper",
          email: "grace@example.com",
          mobile_phone: null,
          updated_at: "2026-11-24T09:00:00Z",
        },
      }),
    ).toMatchObject({
      ok: true,
      change: { kind: "upsert", person: { externalId: "cv-88", locationIds: null, tags: [], personType: null } },
    });
    expect(
      parseSourceEvent("cctv", {
        type: "person.removed",
        data: { person_id: "cv-88", updated_at: "2026-11-24T11:00:00Z" },
      }),
    ).toMatchObject({
      ok: true,
      change: { kind: "removal", removal: { externalId: "cv-88" } },
    });
  });

  it("ignores unknown fields and makes missing optionals null", () => {
    const parsed = parseListingRecord("integration", {
      external_id: "M-1",
      updated_at: "2026-11-24T09:00:00Z",
      loyalty_points: 12,
    });
    expect(parsed).toEqual({
      ok: true,
      person: {
        externalId: "M-1",
        firstName: null,
        lastName: null,
        email: null,
        mobilePhone: null,
        personType: null,
        membershipStatus: null,
        tags: [],
        locationIds: [],
        updatedAt: Date.UTC(2026, 10, 24, 9),
      },
    });
  });

  it("requires external_id of 1 to 128 characters and updated_at", () => {
    expect(parseListingRecord("integration", { ...member, external_id: "x".repeat(128) }).ok).toBe(true);
    expect(parseListingRecord("integration", { ...member, external_id: "x".repeat(129) })).toMatchObject({
      ok: false,
      externalId: null,
    });
    expect(parseListingRecord("integration", { ...member, external_id: "" }).ok).toBe(false);
    expect(parseListingRecord("integration", { ...member, updated_at: undefined })).toMatchObject({
      ok: false,
      externalId: "M-1042",
    });
    expect(parseListingRecord("integration", { ...member, updated_at: "yesterday" }).ok).toBe(false);
  });

  it("reports issues with the body's paths, for the 400 response", () => {
    const parsed = parseSourceEvent("integration", { type: "member.upserted", data: { ...member, email: 42 } });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((issue) => issue.path)).toEqual(["data.email"]);
    expect(parseSourceEvent("integration", { type: "member.deleted", data: member }).ok).toBe(false);
  });
});

describe("control characters where text enters from a source", () => {
  const at = "2026-11-24T10:00:00Z";

  it("strips NUL and other control characters from names and contacts; a tab or line break becomes a space", () => {
    const parsed = parseSourceEvent("integration", {
      type: "member.upserted",
      data: {
        external_id: "M-1",
        first_name: "Nul\u0000Byte",
        last_name: "Anne\r\nMarie\u0007",
        email: "ada\u0000@example.com",
        mobile_phone: "+44\u001b7700900123",
        tags: ["vip\u0000", "\u0085gold"],
        location_ids: ["loc\u0000-1"],
        updated_at: at,
      },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.change.kind !== "upsert") throw new Error("expected an upsert");
    expect(parsed.change.person).toMatchObject({
      firstName: "NulByte",
      lastName: "Anne Marie",
      email: "ada@example.com",
      mobilePhone: "+447700900123",
      tags: ["vip", "gold"],
      locationIds: ["loc-1"],
    });
  });

  it("does the same in listing records, and keeps every other character exactly", () => {
    const parsed = parseListingRecord("cctv", {
      person_id: "cv-1",
      first_name: "Zoë 😀 O'Brien\u0000",
      updated_at: at,
    });
    expect(parsed).toMatchObject({ ok: true, person: { firstName: "Zoë 😀 O'Brien" } });
  });

  it("refuses a person id with a control character (cleaning it could make two people one), naming the field", () => {
    const event = parseSourceEvent("integration", {
      type: "member.upserted",
      data: { external_id: "M\u00001", updated_at: at },
    });
    expect(event.ok).toBe(false);
    if (event.ok) return;
    expect(event.issues.map((issue) => issue.path)).toContain("data.external_id");
    const removal = parseSourceEvent("cctv", { type: "person.removed", data: { person_id: "\u0000", updated_at: at } });
    expect(removal.ok).toBe(false);
    // A listing record with such an id still names its row, so the pass does not take it for missing.
    expect(parseListingRecord("integration", { external_id: "M\u00001", updated_at: at })).toMatchObject({
      ok: false,
      externalId: "M\u00001",
    });
  });
});
