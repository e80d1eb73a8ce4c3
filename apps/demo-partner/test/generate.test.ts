import { describe, expect, it } from "vitest";
import {
  DEFAULT_LOCATIONS,
  INVALID_EMAILS,
  INVALID_PHONES,
  UNMAPPED_LOCATION,
  generateCctvPeople,
  generateMembers,
  type Member,
} from "../src/index";

const GENERATED_EMAIL = /^[a-z]+\.[a-z]+\d+@example\.com$/;
const isInvalidEmail = (email: string | null): boolean =>
  email !== null && (INVALID_EMAILS as readonly string[]).includes(email);
const isInvalidPhone = (phone: string | null): boolean =>
  phone !== null && (INVALID_PHONES as readonly string[]).includes(phone);

function count(members: Member[], predicate: (m: Member) => boolean): number {
  return members.filter(predicate).length;
}

describe("generateMembers", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(generateMembers({ seed: 7 })).toEqual(generateMembers({ seed: 7 }));
    expect(generateMembers({ seed: 7 })).not.toEqual(generateMembers({ seed: 8 }));
    expect(generateMembers()).toHaveLength(300);
    expect(generateMembers({ count: 25 })).toHaveLength(25);
  });

  it.each([1, 42, 2026])("contains every deliberate edge case (seed %i)", (seed) => {
    const members = generateMembers({ seed });
    const mapped = new Set<string>(DEFAULT_LOCATIONS);
    expect(new Set(members.map((m) => m.external_id)).size).toBe(members.length);

    expect(count(members, (m) => m.email === null && m.mobile_phone !== null)).toBeGreaterThan(0);
    expect(count(members, (m) => m.mobile_phone === null && m.email !== null)).toBeGreaterThan(0);
    expect(count(members, (m) => m.email === null && m.mobile_phone === null)).toBeGreaterThan(0);
    expect(count(members, (m) => isInvalidEmail(m.email))).toBeGreaterThan(0);
    expect(count(members, (m) => isInvalidPhone(m.mobile_phone))).toBeGreaterThan(0);
    expect(count(members, (m) => m.email !== null && m.email !== m.email.trim().toLowerCase())).toBeGreaterThan(0);

    expect(count(members, (m) => m.location_ids.filter((l) => mapped.has(l)).length === 2)).toBeGreaterThan(0);
    expect(
      count(members, (m) => m.location_ids.length === 1 && m.location_ids[0] === UNMAPPED_LOCATION),
    ).toBeGreaterThan(0);
    expect(
      count(members, (m) => m.location_ids.includes(UNMAPPED_LOCATION) && m.location_ids.length === 2),
    ).toBeGreaterThan(0);
    expect(count(members, (m) => m.location_ids.length === 0)).toBeGreaterThan(0);

    const phones = members.map((m) => m.mobile_phone).filter((p): p is string => p !== null && !isInvalidPhone(p));
    expect(phones.some((p) => /^\+447700900\d{3}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^07700 900\d{3}$/.test(p))).toBe(true);
    expect(phones.some((p) => p.startsWith("+1 "))).toBe(true);

    for (const value of ["member", "staff", "guest"]) expect(members.some((m) => m.person_type === value)).toBe(true);
    for (const value of ["active", "frozen", "cancelled"])
      expect(members.some((m) => m.membership_status === value)).toBe(true);
    expect(members.some((m) => m.tags.length === 0)).toBe(true);
    expect(members.some((m) => m.tags.length > 1)).toBe(true);
  });

  it("produces well-formed fields", () => {
    for (const m of generateMembers()) {
      expect(m.external_id).toMatch(/^M-\d+$/);
      expect(m.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const normalEmail = m.email !== null && !isInvalidEmail(m.email) && m.email === m.email.trim().toLowerCase();
      if (normalEmail) expect(m.email).toMatch(GENERATED_EMAIL);
      if (normalEmail) expect(m.email?.endsWith(`${m.external_id.slice(2)}@example.com`)).toBe(true);
      expect(new Set(m.tags).size).toBe(m.tags.length);
    }
  });

  it("still places each edge case in a small list", () => {
    const members = generateMembers({ count: 12, seed: 3 });
    expect(count(members, (m) => m.email === null && m.mobile_phone === null)).toBe(1);
    expect(count(members, (m) => m.location_ids.length === 0)).toBe(1);
  });
});

describe("generateCctvPeople", () => {
  it("is deterministic per facility and seed, with missing and invalid contacts", () => {
    const a = generateCctvPeople({ facilityId: "fac-a", seed: 5 });
    expect(a).toEqual(generateCctvPeople({ facilityId: "fac-a", seed: 5 }));
    expect(a).not.toEqual(generateCctvPeople({ facilityId: "fac-b", seed: 5 }));
    expect(a).toHaveLength(36);
    expect(new Set(a.map((p) => p.person_id)).size).toBe(36);
    expect(a.some((p) => p.email === null && p.mobile_phone !== null)).toBe(true);
    expect(a.some((p) => p.mobile_phone === null && p.email !== null)).toBe(true);
    expect(a.some((p) => p.email === null && p.mobile_phone === null)).toBe(true);
    expect(a.some((p) => isInvalidEmail(p.email))).toBe(true);
  });
});
