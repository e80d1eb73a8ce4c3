/** The product's fixed vocabularies, shared by the engine, the database and the admin app. */

export {
  SOURCES,
  SYNC_SOURCES,
  SOURCE_LABELS,
  CCTV_BADGE,
  MANUAL_BADGE,
  MANUAL_SOURCE,
  SOURCE_KINDS,
  sourceBadge,
  sourceKind,
  isSourceOn,
  sourceSwitchPatch,
  type Source,
  type SyncSource,
  type SourceKind,
  type SourceSwitch,
} from "./sources/kinds";

export const REQUIRE_IDENTIFIER_OPTIONS = ["email_or_phone", "email", "phone", "both"] as const;
export type RequireIdentifier = (typeof REQUIRE_IDENTIFIER_OPTIONS)[number];

export const REQUIRE_IDENTIFIER_LABELS: Record<RequireIdentifier, string> = {
  email_or_phone: "Email OR phone",
  email: "Email required",
  phone: "Phone required",
  both: "Both required",
};

export const OUTCOMES = ["added", "updated", "skipped", "disabled", "processed", "failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const OUTCOME_LABELS: Record<Outcome, string> = {
  added: "Added",
  updated: "Updated",
  skipped: "Skipped",
  disabled: "Disabled",
  processed: "Processed",
  failed: "Failed",
};

export const PASS_TRIGGERS = ["continuous", "nightly", "manual"] as const;
export type PassTrigger = (typeof PASS_TRIGGERS)[number];

export const PASS_STATES = ["running", "complete", "failed", "held"] as const;
export type PassState = (typeof PASS_STATES)[number];

/**
 * What the admin reads for a field of a User Access row, worded as the help page's "What sync updates"
 * table. The activity detail, the user panel and the activity CSV all name changed fields through this.
 */
export const FIELD_LABELS: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  mobilePhone: "Mobile phone",
  email: "Email",
  personType: "Person type",
  membershipStatus: "Membership status",
  syncedTags: "Synced tags",
  lastSyncedAt: "Last-synced timestamp",
  removedAtSource: "Removed at the source",
  accessEnabled: "Access enabled",
  grants: "Per-user grants",
  customTags: "Custom tags",
  notes: "Notes",
  trackSourceUpdates: "Track source updates",
  appMessage: "App message",
};

/** A field's label; one the table does not know yet is shown by its name rather than hidden. */
export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}
