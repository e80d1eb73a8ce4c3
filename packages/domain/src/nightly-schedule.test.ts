import { describe, it, expect, vi } from "vitest";
import { dueNightlyDate, localTimesAt, nightlyStartOffsetMinutes } from "./nightly-schedule";

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

describe("nightlyStartOffsetMinutes", () => {
  const ids = Array.from({ length: 6000 }, (_, i) => `fac_${i.toString(36)}_${(i * 7919).toString(16)}`);

  it("gives the same facility the same minute every time", () => {
    for (const id of ids.slice(0, 50))
      expect(nightlyStartOffsetMinutes(id)).toBe(nightlyStartOffsetMinutes(`${id}`.slice(0)));
    expect(nightlyStartOffsetMinutes("fac_01HX7Z")).toBe(nightlyStartOffsetMinutes("fac_01HX7Z"));
  });

  it("spreads facilities over the whole first hour", () => {
    const perMinute = new Array<number>(60).fill(0);
    for (const id of ids) {
      const offset = nightlyStartOffsetMinutes(id);
      expect(Number.isInteger(offset) && offset >= 0 && offset < 60).toBe(true);
      perMinute[offset]! += 1;
    }
    // 100 a minute on average: none empty, none with more than twice its share.
    expect(Math.min(...perMinute)).toBeGreaterThan(40);
    expect(Math.max(...perMinute)).toBeLessThan(200);
  });
});

describe("dueNightlyDate with a start offset", () => {
  it("is not due before the quarter hour holding the facility's minute, and due from it until the window's end", () => {
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 3, 29), "Europe/London", 3, 37)).toBeNull();
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 3, 30), "Europe/London", 3, 37)).toBe("2026-11-24");
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 3, 44), "Europe/London", 3, 45)).toBeNull();
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 3, 45), "Europe/London", 3, 59)).toBe("2026-11-24");
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 8, 59), "Europe/London", 3, 37)).toBe("2026-11-24");
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 9, 0), "Europe/London", 3, 37)).toBeNull();
  });

  it("never puts a start where no quarter-hour cron could see it (a late nightly hour)", () => {
    expect(dueNightlyDate(Date.UTC(2026, 10, 24, 23, 45), "Europe/London", 23, 59)).toBe("2026-11-24");
  });

  it("builds one date formatter per time zone, however many facilities are asked about", () => {
    const Original = Intl.DateTimeFormat;
    let built = 0;
    // A function, not an arrow: the code under test calls it with `new`.
    // biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be a constructor
    const spy = vi.spyOn(Intl, "DateTimeFormat").mockImplementation(function (
      ...args: ConstructorParameters<typeof Original>
    ) {
      built += 1;
      return new Original(...args);
    } as unknown as typeof Original);
    try {
      const zones = ["Pacific/Chatham", "Asia/Kathmandu"];
      for (let facility = 0; facility < 200; facility++)
        dueNightlyDate(Date.UTC(2026, 10, 24, 3, 0), zones[facility % 2]!, 3, facility % 60);
      expect(built).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  it("works out an instant's local time once per zone for a cron", () => {
    const localTimeIn = localTimesAt(Date.UTC(2026, 2, 29, 1, 30));
    expect(localTimeIn("Europe/London")).toEqual({ date: "2026-03-29", minuteOfDay: 2 * 60 + 30 });
    expect(localTimeIn("Europe/London")).toBe(localTimeIn("Europe/London"));
    expect(localTimeIn("America/New_York")).toEqual({ date: "2026-03-28", minuteOfDay: 21 * 60 + 30 });
  });
});

describe("once per calendar day in the facility's zone, whatever its offset, across DST changes", () => {
  const QUARTER = 15 * 60_000;
  /**
   * Every quarter-hour cron between two instants: each new date one would start. A date may be due again
   * after a gap (an hour repeated when clocks go back): the pass is keyed by the date, so that starts nothing.
   */
  function nightsSeen(from: number, to: number, zone: string, hour: number, offset: number) {
    const runs: Array<{ date: string; firstCron: number }> = [];
    let previous: string | null = null;
    for (let t = from; t < to; t += QUARTER) {
      const date = dueNightlyDate(t, zone, hour, offset);
      if (date && date !== previous) runs.push({ date, firstCron: t });
      if (date) previous = date;
    }
    return runs;
  }
  const days = (from: string, count: number) =>
    Array.from({ length: count }, (_, i) =>
      new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
    );

  const cases: Array<[zone: string, from: string]> = [
    ["Europe/London", "2026-03-26"], // clocks forward 01:00 → 02:00 on the 29th
    ["Europe/London", "2026-10-22"], // back 02:00 → 01:00 on the 25th
    ["America/New_York", "2026-03-05"], // forward 02:00 → 03:00 on the 8th
    ["America/New_York", "2026-10-29"], // back 02:00 → 01:00 on 1 November
    ["Australia/Sydney", "2026-04-02"], // back 03:00 → 02:00 on the 5th
    ["Australia/Sydney", "2026-10-01"], // forward 02:00 → 03:00 on the 4th
  ];
  for (const [zone, from] of cases) {
    for (const hour of [1, 2, 3]) {
      it(`${zone} from ${from}, nightly hour ${hour}`, () => {
        // A day before and after the local week, in UTC, so every local day of the week is covered whole.
        const start = Date.parse(`${from}T00:00:00Z`) - 86_400_000;
        for (const offset of [0, 1, 14, 15, 29, 44, 45, 59]) {
          const seen = nightsSeen(start, start + 9 * 86_400_000, zone, hour, offset);
          const dates = seen.map((s) => s.date);
          // Each local day is due once, in order (never again after the next day's), and no day is skipped.
          expect(new Set(dates).size, `offset ${offset}`).toBe(dates.length);
          for (let i = 1; i < dates.length; i++) expect(dates[i], `offset ${offset}`).toBe(days(dates[i - 1]!, 2)[1]);
          for (const d of days(from, 7)) expect(dates, `offset ${offset}: ${d}`).toContain(d);
          // The first cron to see a night is never before the quarter hour holding the facility's minute.
          for (const { date, firstCron } of seen) {
            const local = localTimesAt(firstCron)(zone);
            if (local.date === date)
              expect(local.minuteOfDay, `offset ${offset}: ${date}`).toBeGreaterThanOrEqual(
                hour * 60 + offset - (offset % 15),
              );
          }
        }
      });
    }
  }
});
