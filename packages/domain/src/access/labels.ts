/** Friendly labels for the membership statuses and person types sources send. */

const FRIENDLY_STATUSES: Record<string, string> = {
  active: "Active",
  current: "Current",
  expired: "Expired",
  on_hold: "On hold",
  cancelled: "Cancelled",
  canceled: "Cancelled",
  pending: "Pending",
};

/** The statuses a new rule pre-selects, when the facility's data has them. */
export const PRESELECTED_STATUS_LABELS = ["Active", "Current"] as const;

function statusKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** "past_due" → "Past Due", "non-member" → "Non-Member". */
export function titleCase(value: string): string {
  return value
    .trim()
    .split(/[\s_]+/)
    .filter(Boolean)
    .map((word) => word.replace(/(^|-)(\p{L})/gu, (_, dash: string, letter: string) => dash + letter.toUpperCase()))
    .join(" ");
}

export function membershipStatusLabel(value: string): string {
  return FRIENDLY_STATUSES[statusKey(value)] ?? titleCase(value);
}

export function personTypeLabel(value: string): string {
  return titleCase(value);
}

/** The statuses a new "If <person type> and status is …" rule starts with: Active and Current when present. */
export function preselectedStatuses(statusesInData: readonly string[]): string[] {
  return statusesInData.filter((value) =>
    (PRESELECTED_STATUS_LABELS as readonly string[]).includes(membershipStatusLabel(value)),
  );
}
