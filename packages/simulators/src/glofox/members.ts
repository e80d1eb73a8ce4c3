import { randomBytes } from "node:crypto";
import { FIRST_NAMES, LAST_NAMES, createRng, emailSlug, fictionalMobile, generatedModifiedMs } from "../shared/rng";
import { RecordStore } from "../shared/store";

/** Field names as Glofox's /2.0/members answers them; value sets marked "chosen" in the README. */
export const MEMBERSHIP_STATUSES = ["ACTIVE", "PAUSED", "CANCELLED", "EXPIRED"] as const;
export const MEMBERSHIP_TYPES = ["time", "time_classes", "num_classes", "payg"] as const;
export const LEAD_STATUSES = ["MEMBER", "CLIENT", "LEAD", "TRIAL"] as const;

export interface GlofoxMember {
  _id: string;
  branch_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  active: boolean;
  membership: {
    type: (typeof MEMBERSHIP_TYPES)[number];
    status: (typeof MEMBERSHIP_STATUSES)[number];
    start_date: number;
    user_membership_id: string;
  } | null;
  lead_status: (typeof LEAD_STATUSES)[number];
  /** Unix seconds. */
  created: number;
  /** Unix seconds. */
  modified: number;
}

export class GlofoxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function objectId(rng: { int(n: number): number }): string {
  return Array.from({ length: 24 }, () => rng.int(16).toString(16)).join("");
}

export function generateMembers(options: { seed: number; count: number; branchId: string }): GlofoxMember[] {
  const { seed, count, branchId } = options;
  const rng = createRng(seed);
  const members: GlofoxMember[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const lead = rng.weighted<GlofoxMember["lead_status"]>([
      ["MEMBER", 0.78],
      ["CLIENT", 0.06],
      ["LEAD", 0.1],
      ["TRIAL", 0.06],
    ]);
    const modified = Math.floor(generatedModifiedMs(rng) / 1000);
    const created = modified - rng.int(700) * 86_400;
    const status = rng.weighted<(typeof MEMBERSHIP_STATUSES)[number]>([
      ["ACTIVE", 0.8],
      ["PAUSED", 0.07],
      ["CANCELLED", 0.08],
      ["EXPIRED", 0.05],
    ]);
    members[i] = {
      _id: objectId(rng),
      branch_id: branchId,
      first_name: first,
      last_name: last,
      email: rng.next() < 0.95 ? `${emailSlug(first)}.${emailSlug(last)}${i}@example.com` : null,
      phone: rng.next() < 0.85 ? fictionalMobile(rng) : null,
      active: rng.next() < 0.93,
      membership:
        lead === "MEMBER"
          ? { type: rng.pick(MEMBERSHIP_TYPES), status, start_date: created, user_membership_id: objectId(rng) }
          : null,
      lead_status: lead,
      created,
      modified,
    };
  }
  return members;
}

export interface MemberPatch {
  _id?: string;
  first_name?: string;
  last_name?: string;
  email?: string | null;
  phone?: string | null;
  active?: boolean;
  lead_status?: GlofoxMember["lead_status"];
  membership?: { type?: (typeof MEMBERSHIP_TYPES)[number]; status?: (typeof MEMBERSHIP_STATUSES)[number] } | null;
}

/** The branch's members; every change bumps `modified` and is announced (MEMBER_CREATED / MEMBER_UPDATED). */
export class GlofoxBranch {
  readonly store: RecordStore<GlofoxMember>;
  onChange: () => void = () => {};

  constructor(
    readonly branchId: string,
    members: GlofoxMember[],
    private readonly announce: (type: "MEMBER_CREATED" | "MEMBER_UPDATED", member: GlofoxMember) => void,
    private readonly now: () => number,
  ) {
    this.store = new RecordStore((m) => m._id, members);
  }

  generate(count: number, seed: number): void {
    this.store.replaceAll(generateMembers({ seed, count, branchId: this.branchId }));
    this.onChange();
  }

  upsert(patch: MemberPatch): { member: GlofoxMember; created: boolean } {
    const existing = patch._id === undefined ? undefined : this.store.get(patch._id);
    const nowSeconds = Math.floor(this.now() / 1000);
    for (const key of ["first_name", "last_name"] as const) {
      if (patch[key] !== undefined && (typeof patch[key] !== "string" || patch[key] === ""))
        throw new GlofoxError(400, `${key} must be a non-empty string`);
    }
    if (patch.active !== undefined && typeof patch.active !== "boolean")
      throw new GlofoxError(400, "active must be a boolean");
    if (patch.lead_status !== undefined && !(LEAD_STATUSES as readonly string[]).includes(patch.lead_status))
      throw new GlofoxError(400, `lead_status must be one of ${LEAD_STATUSES.join(", ")}`);
    if (
      patch.membership?.status !== undefined &&
      !(MEMBERSHIP_STATUSES as readonly string[]).includes(patch.membership.status)
    ) {
      throw new GlofoxError(400, `membership.status must be one of ${MEMBERSHIP_STATUSES.join(", ")}`);
    }
    const base: GlofoxMember = existing ?? {
      _id: patch._id ?? randomBytes(12).toString("hex"),
      branch_id: this.branchId,
      first_name: "New",
      last_name: "Member",
      email: null,
      phone: null,
      active: true,
      membership: {
        type: "time",
        status: "ACTIVE",
        start_date: nowSeconds,
        user_membership_id: randomBytes(12).toString("hex"),
      },
      lead_status: "MEMBER",
      created: nowSeconds,
      modified: nowSeconds,
    };
    const { membership, _id: _ignored, ...fields } = patch;
    const member: GlofoxMember = {
      ...base,
      ...fields,
      membership:
        membership === null
          ? null
          : membership === undefined
            ? base.membership
            : {
                ...(base.membership ?? {
                  type: "time",
                  status: "ACTIVE",
                  start_date: nowSeconds,
                  user_membership_id: randomBytes(12).toString("hex"),
                }),
                ...membership,
              },
      modified: Math.max(nowSeconds, base.modified + (existing ? 1 : 0)),
    } as GlofoxMember;
    this.store.upsert(member);
    this.announce(existing ? "MEMBER_UPDATED" : "MEMBER_CREATED", member);
    this.onChange();
    return { member, created: existing === undefined };
  }

  /** `count` members change their phone at once, each with MEMBER_UPDATED. */
  burst(count: number): number {
    const targets = this.store.list().slice(0, count);
    for (const m of targets) this.upsert({ _id: m._id, phone: m.phone === "+447700900999" ? null : "+447700900999" });
    return targets.length;
  }

  /** Glofox has no delete event: a removal is a MEMBER_UPDATED with `active: false`. */
  deactivate(id: string): GlofoxMember {
    if (!this.store.get(id)) throw new GlofoxError(404, `No member ${id}`);
    return this.upsert({ _id: id, active: false }).member;
  }
}
