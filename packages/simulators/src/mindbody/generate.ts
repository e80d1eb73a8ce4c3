import { FIRST_NAMES, LAST_NAMES, createRng, emailSlug, fictionalMobile, generatedModifiedMs } from "../shared/rng";
import { isoSeconds, type ClientStatus, type MindbodyLocation, type SiteClient } from "./types";

export const DEFAULT_SITE_ID = -99;
export const DEFAULT_LOCATIONS: MindbodyLocation[] = [
  { Id: 1, Name: "Northside Main" },
  { Id: 2, Name: "Northside Riverside" },
];
export const FIRST_UNIQUE_ID = 100_000_001;
const MEMBERSHIPS = [
  { MembershipId: 101, Name: "Unlimited Monthly", ProgramId: 21 },
  { MembershipId: 102, Name: "Off-Peak", ProgramId: 21 },
  { MembershipId: 103, Name: "Student", ProgramId: 22 },
] as const;
const DAY = 24 * 3600 * 1000;

export interface GenerateClientsOptions {
  seed: number;
  count: number;
  siteId: number;
  locations: readonly MindbodyLocation[];
  /** Id numbers start after this (so generated clients never collide with earlier ones). */
  firstIndex?: number;
}

/** Deterministic clients for a seed: a tight loop, so 100,000 take well under a second. */
export function generateClients(options: GenerateClientsOptions): SiteClient[] {
  const { seed, count, siteId, locations, firstIndex = 0 } = options;
  const rng = createRng(seed);
  const clients: SiteClient[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = firstIndex + i;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const status = rng.weighted<ClientStatus>([
      ["Active", 0.72],
      ["Expired", 0.09],
      ["Suspended", 0.04],
      ["Terminated", 0.04],
      ["Declined", 0.02],
      ["Non-Member", 0.09],
    ]);
    const modified = generatedModifiedMs(rng);
    const created = modified - rng.int(900) * DAY;
    const home = rng.pick(locations);
    const hasEmail = rng.next() > 0.06;
    const hasPhone = rng.next() > 0.12;
    const uniqueId = FIRST_UNIQUE_ID + n;
    clients[i] = {
      client: {
        // Sites often use the barcode as the client id; a few use their own codes.
        Id: rng.next() < 0.97 ? String(200_000 + n) : `NS-${n}`,
        UniqueId: uniqueId,
        FirstName: first,
        MiddleName: null,
        LastName: last,
        Email: hasEmail ? `${emailSlug(first)}.${emailSlug(last)}${n}@example.com` : null,
        MobilePhone: hasPhone ? fictionalMobile(rng) : null,
        HomePhone: null,
        WorkPhone: null,
        Status: status,
        Active: status !== "Terminated" || rng.next() < 0.2,
        IsProspect: status === "Non-Member" && rng.next() < 0.5,
        IsCompany: false,
        HomeLocation: home,
        CreationDate: isoSeconds(created),
        LastModifiedDateTime: isoSeconds(modified),
        PhotoUrl: null,
        BirthDate: null,
        Action: "None",
      },
      memberships:
        status === "Active" || status === "Expired" || status === "Suspended"
          ? [
              membership(
                rng.pick(MEMBERSHIPS),
                uniqueId,
                siteId,
                created,
                status === "Expired" ? modified - 2 * DAY : modified + (30 + rng.int(300)) * DAY,
              ),
            ]
          : [],
      contracts: [],
    };
  }
  return clients;
}

export function membership(
  kind: { MembershipId: number; Name: string; ProgramId: number },
  clientServiceId: number,
  siteId: number,
  activeMs: number,
  expirationMs: number,
): SiteClient["memberships"][number] {
  return {
    Id: clientServiceId,
    MembershipId: kind.MembershipId,
    Name: kind.Name,
    ActiveDate: isoSeconds(activeMs),
    ExpirationDate: isoSeconds(expirationMs),
    PaymentDate: isoSeconds(activeMs),
    Count: 1,
    Remaining: 1,
    ProductId: kind.MembershipId + 1000,
    SiteId: siteId,
    Program: { Id: kind.ProgramId, Name: "Membership" },
    RestrictedLocations: [],
    IconCode: "M",
    Action: "None",
    Cancelled: false,
  };
}

export function membershipKind(membershipId: number | undefined): {
  MembershipId: number;
  Name: string;
  ProgramId: number;
} {
  return MEMBERSHIPS.find((m) => m.MembershipId === membershipId) ?? MEMBERSHIPS[0];
}
