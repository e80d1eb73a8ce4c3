import { membershipStatusLabel } from "@uas/domain";
import { z } from "zod";
import type { ContractRecord } from "../connector";

/** Mindbody's client as `GET /client/clients` answers it: the fields the sync reads. */
export const mindbodyClientSchema = z.object({
  Id: z.string().min(1),
  UniqueId: z.number().int(),
  FirstName: z.string().nullish(),
  LastName: z.string().nullish(),
  Email: z.string().nullish(),
  MobilePhone: z.string().nullish(),
  HomePhone: z.string().nullish(),
  WorkPhone: z.string().nullish(),
  Status: z.string().nullish(),
  Active: z.boolean(),
  IsProspect: z.boolean().nullish(),
  HomeLocation: z.object({ Id: z.number().int() }).nullish(),
  LastModifiedDateTime: z.string().min(1),
});
export type MindbodyClient = z.output<typeof mindbodyClientSchema>;

/** Mindbody writes some timestamps without a zone (site time, documented as UTC here); the contract wants an offset. */
export function isoInstant(value: string): string {
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/** The external id is the `UniqueId`: staff can change `Id` (the barcode), and merges name the removed client by it. */
export function externalIdOf(uniqueId: number): string {
  return String(uniqueId);
}

export function personType(isProspect: boolean | null | undefined, status: string | null | undefined): string {
  if (isProspect) return "prospect";
  if (status === "Non-Member") return "non-member";
  return "member";
}

/** One phone for the contract: the mobile, else home, else work (a door app signs in with any of them). */
export function phoneOf(mobile?: string | null, home?: string | null, work?: string | null): string | null {
  return [mobile, home, work].find((phone) => typeof phone === "string" && phone.trim() !== "") ?? null;
}

export function clientRecord(client: MindbodyClient): ContractRecord {
  return {
    external_id: externalIdOf(client.UniqueId),
    first_name: client.FirstName ?? null,
    last_name: client.LastName ?? null,
    email: client.Email ?? null,
    mobile_phone: phoneOf(client.MobilePhone, client.HomePhone, client.WorkPhone),
    person_type: personType(client.IsProspect, client.Status),
    membership_status: client.Status ?? null,
    tags: null,
    location_ids: client.HomeLocation ? [String(client.HomeLocation.Id)] : [],
    updated_at: isoInstant(client.LastModifiedDateTime),
  };
}

export function removalRecord(uniqueId: number, updatedAt: string): ContractRecord {
  return { external_id: externalIdOf(uniqueId), location_ids: [], updated_at: isoInstant(updatedAt) };
}

/**
 * Mindbody's client statuses in the product's words. Suspended is a freeze ("On hold"), Terminated an ended
 * contract ("Cancelled"); Declined (a failed payment) and Non-Member are title-cased as they are.
 */
const LABELS: Record<string, string> = {
  active: "Active",
  expired: "Expired",
  suspended: "On hold",
  terminated: "Cancelled",
};

export function mindbodyStatusLabel(raw: string): string {
  return LABELS[raw.trim().toLowerCase()] ?? membershipStatusLabel(raw);
}
