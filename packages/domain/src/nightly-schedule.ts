/** How long after the nightly hour a late or missed cron may still start that night's pass. */
export const NIGHTLY_WINDOW_HOURS = 6;

/**
 * The facility-local calendar day whose nightly reconciliation is due at `now`, or null outside the
 * facility's night (its nightly hour and the few hours after it). A cron that fires late still finds
 * the day due; the caller makes "once per day" hold by keying the pass on this date.
 */
export function dueNightlyDate(now: number, timeZone: string, nightlyHour: number): string | null {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(now));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const localHour = Number(part("hour"));
  if (localHour < nightlyHour || localHour >= nightlyHour + NIGHTLY_WINDOW_HOURS) return null;
  return `${part("year")}-${part("month")}-${part("day")}`;
}
