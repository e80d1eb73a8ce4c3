import { describe, it, expect } from "vitest";
import { dueNightlyDate } from "./nightly-schedule";

describe("dueNightlyDate", () => {
  it("is null before the nightly hour in the facility's own zone", () => {
    // 02:30 in London (GMT in November) is before 03:00.
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 2, 30), "Europe/London", 3)).toBeNull();
  });

  it("names the local day once the hour has passed, even when the cron is late", () => {
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 3, 0), "Europe/London", 3)).toBe("2026-11-24");
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 8, 59), "Europe/London", 3)).toBe("2026-11-24");
  });

  it("is null in the daytime: the pass runs at night, not when a source is switched on at noon", () => {
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 9, 0), "Europe/London", 3)).toBeNull();
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 15, 0), "Europe/London", 3)).toBeNull();
  });

  it("uses the local calendar day, not UTC's", () => {
    // 05:00 UTC is 00:00 in New York (EST): the 24th has begun there but 03:00 has not come.
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 5, 0), "America/New_York", 3)).toBeNull();
    // 07:15 UTC is 02:15 in New York... and 08:00 UTC is 03:00: due for the 24th.
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 7, 15), "America/New_York", 3)).toBeNull();
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 8, 0), "America/New_York", 3)).toBe("2026-11-24");
    // 03:00 UTC on the 25th is still the 24th, 22:00, in New York: daytime there, nothing due.
    expect(dueNightlyDate(Date.UTC(2026, 10, 25, 3, 0), "America/New_York", 3)).toBeNull();
  });
});
