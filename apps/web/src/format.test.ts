import { afterEach, describe, expect, it } from "vitest";
import {
  formatDateTime,
  formatDateTimeIn,
  formatRelative,
  formatTimeOfDay,
  fullName,
  setDisplayTimeZone,
} from "./format";

const TUESDAY_15_04_UTC = Date.UTC(2026, 11, 2, 15, 4);

afterEach(() => setDisplayTimeZone(undefined));

describe("dates are shown in the facility's time zone, with the zone named", () => {
  it("London in winter is GMT", () => {
    setDisplayTimeZone("Europe/London");
    const shown = formatDateTime(TUESDAY_15_04_UTC);
    expect(shown).toMatch(/(15:04|03:04\sPM)/);
    expect(shown).toContain("GMT");
    expect(shown).toContain("2026");
  });

  it("the same moment in New York is five hours earlier, named EST", () => {
    setDisplayTimeZone("America/New_York");
    const shown = formatDateTime(TUESDAY_15_04_UTC);
    expect(shown).toMatch(/(10:04|10:04\sAM)/);
    expect(shown).toContain("EST");
  });

  it("switching facilities switches the zone of every later date", () => {
    setDisplayTimeZone("Asia/Tokyo");
    expect(formatDateTime(TUESDAY_15_04_UTC)).toMatch(/00:04|12:04\sAM/);
    setDisplayTimeZone("Europe/London");
    expect(formatDateTime(TUESDAY_15_04_UTC)).toMatch(/15:04|03:04\sPM/);
  });
});

describe("a member system's own clock", () => {
  it("shows the instant in the named zone, whatever the facility's, and null for a zone that is not one", () => {
    setDisplayTimeZone("Europe/London");
    const shown = formatDateTimeIn(TUESDAY_15_04_UTC, "America/Chicago");
    expect(shown).toMatch(/(09:04|09:04\sAM)/);
    expect(shown).toContain("CST");
    expect(formatDateTimeIn(TUESDAY_15_04_UTC, " America/Chicago ")).toBe(shown);
    expect(formatDateTimeIn(TUESDAY_15_04_UTC, "Mars/Olympus")).toBeNull();
  });
});

describe("the nightly hour", () => {
  it("is the configured wall-clock hour with its zone, whatever today's offset is", () => {
    const shown = formatTimeOfDay(3, "Europe/London");
    expect(shown).toMatch(/^(03:00|03:00\sAM) Europe\/London$/);
  });
});

describe("relative times", () => {
  const now = Date.UTC(2026, 11, 2, 12, 0);
  it("says minutes, hours and days in the right direction", () => {
    expect(formatRelative(now - 3 * 60_000, now)).toMatch(/3/);
    expect(formatRelative(now - 3 * 60_000, now)).not.toMatch(/^in /);
    expect(formatRelative(now + 23 * 3_600_000, now)).toMatch(/23/);
    expect(formatRelative(now - 2 * 86_400_000, now)).toMatch(/2|before/);
  });
  it("under a minute is now", () => {
    expect(formatRelative(now - 10_000, now)).toBe(formatRelative(now, now));
  });
});

describe("names", () => {
  it("joins the parts that exist", () => {
    expect(fullName({ firstName: "Ada", lastName: "Lovelace" })).toBe("Ada Lovelace");
    expect(fullName({ firstName: "", lastName: "Lovelace" })).toBe("Lovelace");
    expect(fullName({ firstName: "", lastName: "" })).toBe("(no name)");
  });
});
