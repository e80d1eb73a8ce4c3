import { randomBytes } from "node:crypto";
import { FIRST_NAMES, LAST_NAMES, createRng, emailSlug, fictionalMobile, generatedModifiedMs } from "../shared/rng";
import { RecordStore } from "../shared/store";
import { formatClubTime } from "../shared/zoned-time";

export const MEMBER_STATUSES = ["Active", "Inactive", "Frozen", "Cancelled", "Expired"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** What the simulator keeps; `toApi` gives the shape ABC answers (strings throughout, club-local timestamps). */
export interface AbcMember {
  memberId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  primaryPhone: string | null;
  barcode: string;
  homeClub: string;
  isActive: boolean;
  memberStatus: MemberStatus;
  memberStatusReason: string;
  joinStatus: "Member" | "Prospect";
  modifiedMs: number;
  membershipType: string;
  isPastDue: boolean;
  pastDueBalance: number;
  nextBillingDate: string | null;
}

export class AbcError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Each member's club-local timestamp, formatted once per change: Intl's formatting is the simulator's
 * costliest step in a 100,000-member listing, and ABC itself stores the string rather than deriving it.
 */
const stamps = new WeakMap<AbcMember, { modifiedMs: number; timeZone: string; text: string }>();

function lastModifiedTimestamp(member: AbcMember, timeZone: string): string {
  const stamp = stamps.get(member);
  if (stamp !== undefined && stamp.modifiedMs === member.modifiedMs && stamp.timeZone === timeZone) return stamp.text;
  const text = formatClubTime(member.modifiedMs, timeZone);
  stamps.set(member, { modifiedMs: member.modifiedMs, timeZone, text });
  return text;
}

export function toApi(member: AbcMember, timeZone: string): Record<string, unknown> {
  return {
    memberId: member.memberId,
    personal: {
      firstName: member.firstName,
      lastName: member.lastName,
      email: member.email ?? "",
      primaryPhone: member.primaryPhone ?? "",
      barcode: member.barcode,
      homeClub: member.homeClub,
      isActive: String(member.isActive),
      memberStatus: member.memberStatus,
      memberStatusReason: member.memberStatusReason,
      joinStatus: member.joinStatus,
      lastModifiedTimestamp: lastModifiedTimestamp(member, timeZone),
    },
    agreement: {
      membershipType: member.membershipType,
      isPastDue: String(member.isPastDue),
      pastDueBalance: member.pastDueBalance.toFixed(2),
      nextBillingDate: member.nextBillingDate ?? "",
    },
  };
}

export function generateMembers(options: { seed: number; count: number; clubNumber: string }): AbcMember[] {
  const { seed, count, clubNumber } = options;
  const rng = createRng(seed);
  const members: AbcMember[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const status = rng.weighted<MemberStatus>([
      ["Active", 0.74],
      ["Inactive", 0.06],
      ["Frozen", 0.06],
      ["Cancelled", 0.09],
      ["Expired", 0.05],
    ]);
    const pastDue = status === "Active" && rng.next() < 0.07;
    const modifiedMs = generatedModifiedMs(rng);
    members[i] = {
      memberId: Array.from({ length: 32 }, () => rng.int(16).toString(16)).join(""),
      firstName: first,
      lastName: last,
      email: rng.next() < 0.93 ? `${emailSlug(first)}.${emailSlug(last)}${i}@example.com` : null,
      primaryPhone: rng.next() < 0.85 ? fictionalMobile(rng) : null,
      barcode: String(3_000_000 + i),
      homeClub: clubNumber,
      isActive: status === "Active" || status === "Frozen",
      memberStatus: status,
      memberStatusReason: status === "Cancelled" ? rng.pick(["Moved", "Non-Payment", "Other"]) : "",
      joinStatus: rng.next() < 0.95 ? "Member" : "Prospect",
      modifiedMs,
      membershipType: rng.pick(["Monthly", "Annual", "Paid In Full"]),
      isPastDue: pastDue,
      pastDueBalance: pastDue ? 20 + rng.int(80) : 0,
      nextBillingDate:
        status === "Active" ? new Date(modifiedMs + (5 + rng.int(25)) * 86_400_000).toISOString().slice(0, 10) : null,
    };
  }
  return members;
}

export type MemberPatch = Partial<Omit<AbcMember, "modifiedMs" | "homeClub">>;

/** One club's members. No webhooks: a change only bumps lastModifiedTimestamp for the next poll to find. */
export class AbcClub {
  readonly store: RecordStore<AbcMember>;
  onChange: () => void = () => {};

  constructor(
    readonly clubNumber: string,
    readonly timeZone: string,
    members: AbcMember[],
    private readonly now: () => number,
  ) {
    this.store = new RecordStore((m) => m.memberId, members);
  }

  generate(count: number, seed: number): void {
    this.store.replaceAll(generateMembers({ seed, count, clubNumber: this.clubNumber }));
    this.onChange();
  }

  /** `count` members change their phone at once (found by the next delta poll). */
  burst(count: number): number {
    const targets = this.store.list().slice(0, count);
    for (const m of targets)
      this.upsert({ memberId: m.memberId, primaryPhone: m.primaryPhone === "+447700900999" ? null : "+447700900999" });
    return targets.length;
  }

  upsert(patch: MemberPatch): { member: AbcMember; created: boolean } {
    if (patch.memberStatus !== undefined && !(MEMBER_STATUSES as readonly string[]).includes(patch.memberStatus)) {
      throw new AbcError(400, `memberStatus must be one of ${MEMBER_STATUSES.join(", ")}`);
    }
    for (const key of ["isActive", "isPastDue"] as const) {
      if (patch[key] !== undefined && typeof patch[key] !== "boolean")
        throw new AbcError(400, `${key} must be a boolean`);
    }
    for (const key of ["firstName", "lastName"] as const) {
      if (patch[key] !== undefined && (typeof patch[key] !== "string" || patch[key] === ""))
        throw new AbcError(400, `${key} must be a non-empty string`);
    }
    const existing = patch.memberId === undefined ? undefined : this.store.get(patch.memberId);
    const base: AbcMember = existing ?? {
      memberId: patch.memberId ?? randomBytes(16).toString("hex"),
      firstName: "New",
      lastName: "Member",
      email: null,
      primaryPhone: null,
      barcode: String(3_900_000 + this.store.size),
      homeClub: this.clubNumber,
      isActive: true,
      memberStatus: "Active",
      memberStatusReason: "",
      joinStatus: "Member",
      modifiedMs: 0,
      membershipType: "Monthly",
      isPastDue: false,
      pastDueBalance: 0,
      nextBillingDate: null,
    };
    // Whole seconds, as ABC's timestamps carry no sub-second part; never before the previous change.
    const modifiedMs = Math.max(Math.floor(this.now() / 1000) * 1000, base.modifiedMs + (existing ? 1000 : 0));
    const member: AbcMember = { ...base, ...patch, memberId: base.memberId, homeClub: this.clubNumber, modifiedMs };
    this.store.upsert(member);
    this.onChange();
    return { member, created: existing === undefined };
  }
}
