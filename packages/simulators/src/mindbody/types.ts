/** Field names and values as Mindbody's Public API v6 answers them (see README for sources). */
export const CLIENT_STATUSES = ["Active", "Expired", "Suspended", "Terminated", "Declined", "Non-Member"] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

export interface MindbodyLocation {
  Id: number;
  Name: string;
}

export interface MindbodyClient {
  Id: string;
  UniqueId: number;
  FirstName: string;
  MiddleName: string | null;
  LastName: string;
  Email: string | null;
  MobilePhone: string | null;
  HomePhone: string | null;
  WorkPhone: string | null;
  Status: ClientStatus;
  Active: boolean;
  IsProspect: boolean;
  IsCompany: boolean;
  HomeLocation: MindbodyLocation | null;
  CreationDate: string;
  LastModifiedDateTime: string;
  PhotoUrl: string | null;
  BirthDate: string | null;
  Action: "None";
}

export interface ClientMembership {
  /** The client service id of this assignment. */
  Id: number;
  MembershipId: number;
  Name: string;
  ActiveDate: string;
  ExpirationDate: string;
  PaymentDate: string;
  Count: number;
  Remaining: number;
  ProductId: number;
  SiteId: number;
  Program: { Id: number; Name: string };
  RestrictedLocations: MindbodyLocation[];
  IconCode: string;
  Action: "None";
  /** Simulator bookkeeping: a cancelled assignment is no longer current, whatever its dates say. */
  Cancelled: boolean;
}

export interface ClientContract {
  Id: number;
  ContractName: string;
  AgreementDate: string;
  StartDate: string;
  EndDate: string;
  AutopayStatus: "Active" | "Inactive" | "Suspended";
  OriginationLocationId: number;
  SiteId: number;
  UpcomingAutopayEvents: never[];
}

/** One client of the site with what hangs off it. */
export interface SiteClient {
  client: MindbodyClient;
  memberships: ClientMembership[];
  contracts: ClientContract[];
}

export const EVENT_IDS = [
  "client.created",
  "client.updated",
  "client.deactivated",
  "clientProfileMerger.created",
  "clientMembershipAssignment.created",
  "clientMembershipAssignment.cancelled",
  "clientContract.created",
  "clientContract.updated",
  "clientContract.cancelled",
  "site.created",
  "site.updated",
  "location.created",
  "location.updated",
  "location.deactivated",
  "clientSale.created",
  "staff.created",
  "staff.updated",
  "staff.deactivated",
] as const;
export type EventId = (typeof EVENT_IDS)[number];

export const SUBSCRIPTION_STATUSES = [
  "PendingActivation",
  "Active",
  "DeactivatedByUser",
  "DeactivatedByAdmin",
  "DeactivatedTooManyFailedMessageDeliveryAttempts",
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export { isoSeconds } from "../shared/rng";
