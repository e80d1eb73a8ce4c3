/** How long after the nightly hour a late or missed cron may still start that night's pass. */
export const NIGHTLY_WINDOW_HOURS = 6;

/** Facilities' nightly starts are spread over this many minutes after the nightly hour. */
export const NIGHTLY_START_SPREAD_MINUTES = 60;

/** The cron's period: a facility starts at the cron of the quarter hour that holds its minute. */
const CRON_PERIOD_MINUTES = 15;

const MINUTES_PER_DAY = 24 * 60;

/** Building an `Intl.DateTimeFormat` costs far more than using one (docs/scaling.md), so one per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Wall-clock time in a zone: its calendar day (YYYY-MM-DD) and the minute of that day. */
export type LocalTime = { date: string; minuteOfDay: number };

export function localTime(now: number, timeZone: string): LocalTime {
  const parts = formatterFor(timeZone).formatToParts(new Date(now));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    date: `${part("year")}-${part("month")}-${part("day")}`,
    minuteOfDay: Number(part("hour")) * 60 + Number(part("minute")),
  };
}

/**
 * A stable minute (0–59) after the nightly hour at which a pass may start, so a zone's facilities do not
 * all start in the same cron. FNV-1a of the key: the same key always gets the same minute, on every
 * isolate and every night. The cron keys it by organisation, so a chain's facilities in one zone start at
 * the same cron and read their shared listings once (ADR 0020).
 */
export function nightlyStartOffsetMinutes(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % NIGHTLY_START_SPREAD_MINUTES;
}

/**
 * The facility-local calendar day whose nightly reconciliation is due at a local time, or null outside the
 * facility's night: from the start of the quarter hour holding its start offset (so every pass starts
 * within the nightly hour, at one of its four crons) until NIGHTLY_WINDOW_HOURS after the nightly hour
 * (the offset delays the start, not the end). A cron that fires late still finds the day due; the caller
 * makes "once per day" hold by keying the pass on this date.
 */
export function dueNightlyDateAt(local: LocalTime, nightlyHour: number, startOffsetMinutes = 0): string | null {
  const windowEnd = Math.min((nightlyHour + NIGHTLY_WINDOW_HOURS) * 60, MINUTES_PER_DAY);
  const start = nightlyHour * 60 + startOffsetMinutes - (startOffsetMinutes % CRON_PERIOD_MINUTES);
  return local.minuteOfDay >= start && local.minuteOfDay < windowEnd ? local.date : null;
}

export function dueNightlyDate(
  now: number,
  timeZone: string,
  nightlyHour: number,
  startOffsetMinutes = 0,
): string | null {
  return dueNightlyDateAt(localTime(now, timeZone), nightlyHour, startOffsetMinutes);
}

/** One instant's local times, worked out once per time zone however many facilities share it (a cron's view). */
export function localTimesAt(now: number): (timeZone: string) => LocalTime {
  const byZone = new Map<string, LocalTime>();
  return (timeZone) => {
    let local = byZone.get(timeZone);
    if (!local) {
      local = localTime(now, timeZone);
      byZone.set(timeZone, local);
    }
    return local;
  };
}
