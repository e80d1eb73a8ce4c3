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

function formattedWallClockMs(ms: number, timeZone: string): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<"year" | "month" | "day" | "hour" | "minute" | "second", number>;
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/**
 * A zone's offset changes a few times a year at most, and never twice within a day, so one pair of
 * `formatToParts` calls (the costly part: a listing converts every member's timestamp) serves every instant
 * of a UTC day whose two ends agree. A day with a change in it is cached per quarter hour the same way
 * (offsets change on quarter hours), and a quarter hour with a change in it is formatted instant by instant.
 */
const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 15 * 60_000;
/** Per zone, per span: the span's start → its one offset, or null when it changes within the span. */
const offsets = new Map<string, Map<number, Map<number, number | null>>>();
const MAX_CACHED_SPANS = 50_000;

function steadyOffset(ms: number, spanMs: number, timeZone: string): number | null {
  let zone = offsets.get(timeZone);
  if (zone === undefined) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  let spans = zone.get(spanMs);
  if (spans === undefined || spans.size >= MAX_CACHED_SPANS) {
    spans = new Map();
    zone.set(spanMs, spans);
  }
  const start = Math.floor(ms / spanMs) * spanMs;
  let offset = spans.get(start);
  if (offset === undefined) {
    const last = start + spanMs - 1000;
    const atStart = formattedWallClockMs(start, timeZone) - start;
    offset = atStart === formattedWallClockMs(last, timeZone) - last ? atStart : null;
    spans.set(start, offset);
  }
  return offset;
}

function wallClockMs(ms: number, timeZone: string): number {
  const offset = steadyOffset(ms, DAY_MS, timeZone) ?? steadyOffset(ms, QUARTER_HOUR_MS, timeZone);
  return offset === null ? formattedWallClockMs(ms, timeZone) : Math.floor(ms / 1000) * 1000 + offset;
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
