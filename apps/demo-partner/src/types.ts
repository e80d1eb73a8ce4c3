/** A listing item / `member.upserted` data, exactly as the contract spells it. */
export interface Member {
  external_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_phone: string | null;
  person_type: PersonType;
  membership_status: MembershipStatus;
  tags: string[];
  location_ids: string[];
  updated_at: string;
}

export type PersonType = "member" | "staff" | "guest";
export type MembershipStatus = "active" | "frozen" | "cancelled";

/** A CCTV listing item / `person.identified` data. */
export interface CctvPerson {
  person_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_phone: string | null;
  updated_at: string;
}
