/**
 * ABC Ignite writes times as `YYYY-MM-DD HH:mm:ss.000000` on the club's own wall clock, with no offset.
 * Intl (in Workers too) gives the wall clock of an instant in an IANA zone; the reverse is solved from it.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallClockMs(ms: number, timeZone: string): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<"year" | "month" | "day" | "hour" | "minute" | "second", number>;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

export function formatClubTime(ms: number, timeZone: string): string {
  const wall = new Date(wallClockMs(ms, timeZone)).toISOString();
  return `${wall.slice(0, 10)} ${wall.slice(11, 19)}.000000`;
}

/** The instant a club-local time names (the earlier one in a repeated DST hour); NaN when unreadable. */
export function parseClubTime(text: string, timeZone: string): number {
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?$/.exec(text.trim());
  if (match === null) return Number.NaN;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const offsetAt = (ms: number) => wallClockMs(ms, timeZone) - Math.floor(ms / 1000) * 1000;
  const first = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(first);
  return Math.min(first, second);
}
