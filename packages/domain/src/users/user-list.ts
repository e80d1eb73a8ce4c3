/**
 * The User Access list's filters and sorts (related-pages.md, "User Access (the list)"): the values the
 * API takes and the URL carries, and the labels the page shows, worded as the product's namesake does.
 */

export const ACCESS_FILTERS = ["has_access", "no_access", "disabled", "without_grants"] as const;
export type AccessFilter = (typeof ACCESS_FILTERS)[number];
export const ACCESS_FILTER_LABELS: Record<AccessFilter, string> = {
  has_access: "Has access",
  no_access: "No access",
  disabled: "Disabled",
  without_grants: "Without grants",
};

export const INVITATION_FILTERS = ["invited", "not_invited", "send_failed"] as const;
export type InvitationFilter = (typeof INVITATION_FILTERS)[number];
export const INVITATION_FILTER_LABELS: Record<InvitationFilter, string> = {
  invited: "Invited",
  not_invited: "Not invited",
  send_failed: "Send failed",
};

export const USER_SORTS = ["name", "recently_added", "recently_updated", "last_synced"] as const;
export type UserSort = (typeof USER_SORTS)[number];
export const USER_SORT_LABELS: Record<UserSort, string> = {
  name: "Name",
  recently_added: "Recently added",
  recently_updated: "Recently updated",
  last_synced: "Last synced",
};

/** The Source chip's options (the list's badges name the integration; the chip names the kind). */
export const SOURCE_FILTER_LABELS = {
  manual: "Manually added",
  integration: "External Integration",
  cctv: "CCTV/Computer Vision",
} as const;
