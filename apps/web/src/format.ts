/**
 * Display formats shared by the pages. Every date and time is shown one way: the admin's locale, in
 * the time zone of the facility the admin is looking at, with the zone named ("2 Dec 2026, 15:04 GMT").
 * The nav sets the zone (app-nav.vue); until a facility is known the browser's own zone is used.
 */
import { ref } from "vue";

const displayTimeZone = ref<string | undefined>(undefined);

/** The facility whose zone dates are shown in (its IANA name), or undefined for the browser's own. */
export function setDisplayTimeZone(timeZone: string | undefined): void {
  displayTimeZone.value = timeZone;
}

export function getDisplayTimeZone(): string | undefined {
  return displayTimeZone.value;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "dateTime" | "time", timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone ?? ""}`;
  let format = formatters.get(key);
  if (!format) {
    // dateStyle/timeStyle cannot be combined with timeZoneName, hence the parts spelled out.
    const date: Intl.DateTimeFormatOptions =
      kind === "dateTime" ? { year: "numeric", month: "short", day: "numeric" } : {};
    format = new Intl.DateTimeFormat(undefined, {
      ...date,
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
      timeZone,
    });
    formatters.set(key, format);
  }
  return format;
}

/** "2 Dec 2026, 15:04 GMT" (en-GB) / "Dec 2, 2026, 03:04 PM EST" (en-US), in the facility's zone. */
export function formatDateTime(ms: number): string {
  return formatter("dateTime", displayTimeZone.value).format(new Date(ms));
}

/**
 * An instant on another clock than the facility's, with the zone named: a member system's own time zone
 * (an ABC Ignite club's, "2 Dec 2026, 09:04 CST"). Null when `timeZone` is not an IANA zone.
 */
export function formatDateTimeIn(ms: number, timeZone: string): string | null {
  try {
    return formatter("dateTime", timeZone.trim()).format(new Date(ms));
  } catch {
    return null;
  }
}

/**
 * A wall-clock time of day in a given zone, e.g. the nightly hour: "03:00 Europe/London". Formatted
 * in UTC from a fixed day, so it is the hour as configured whatever today's offset is.
 */
export function formatTimeOfDay(hour: number, timeZone: string): string {
  const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(
    Date.UTC(2000, 0, 1, hour),
  );
  return `${time} ${timeZone}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "in 23 hours", "now". */
export function formatRelative(ms: number, now = Date.now()): string {
  const diff = ms - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return relative.format(Math.round(diff / size), unit);
  }
  return relative.format(0, "second");
}

export function fullName(person: { firstName: string; lastName: string }): string {
  return [person.firstName, person.lastName].filter((part) => part !== "").join(" ") || "(no name)";
}

/** "14 Dec" (en-GB) / "Dec 14" (en-US): the panel's "Access until 14 Dec", the facility's day. */
export function formatDayMonth(ms: number): string {
  return new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: displayTimeZone.value }).format(
    new Date(ms),
  );
}

/** A span of time in the largest whole unit: "under a second", "4 seconds", "2 minutes", "3 hours", "2 days". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return "under a second";
  for (const [unit, size] of UNITS) {
    if (ms >= size) {
      const count = Math.floor(ms / size);
      return `${count} ${unit}${count === 1 ? "" : "s"}`;
    }
  }
  const seconds = Math.floor(ms / 1000);
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
