import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_POLL_SETTINGS,
  beginPoll,
  endPoll,
  initialPollState,
  pollDue,
  pollFreshness,
  type PollState,
  type PollWindow,
} from "../src";

const START = Date.UTC(2026, 11, 2, 3, 0, 0);
const MIN = 60_000;

/** What can happen at each cron tick: the cron runs or is late/missed, the poll succeeds, fails, or its Worker dies. */
const tick = fc.record({
  gapMs: fc.integer({ min: 1, max: 90 * MIN }),
  outcome: fc.constantFrom("ok", "ok", "ok", "fail", "crash", "missed-cron"),
});

describe("ABC Ignite continuous: the poll watermark (properties)", () => {
  it("successful windows join up with no gap, across late crons, failures and crashes", () => {
    fc.assert(
      fc.property(fc.array(tick, { minLength: 1, maxLength: 60 }), (ticks) => {
        let state: PollState = initialPollState(START);
        let now = START;
        const read: PollWindow[] = [];
        for (const t of ticks) {
          now += t.gapMs;
          if (t.outcome === "missed-cron" || !pollDue(state, now)) continue;
          const begun = beginPoll(state, now);
          state = begun.state;
          if (t.outcome === "crash") continue; // the lease is kept; the state is what was stored
          state = endPoll(
            state,
            begun.window,
            t.outcome === "ok" ? { ok: true, atMs: now } : { ok: false, reason: "x" },
          );
          if (t.outcome === "ok") read.push(begun.window);
        }
        // Every instant from the first watermark to the last stored one lies in a window that was read.
        let covered = START;
        for (const w of read) {
          expect(w.sinceMs).toBeLessThanOrEqual(covered - DEFAULT_POLL_SETTINGS.overlapMs);
          covered = Math.max(covered, w.untilMs);
        }
        expect(covered).toBe(state.watermarkMs);
        expect(state.watermarkMs).toBeLessThanOrEqual(now);
      }),
    );
  });

  it("the watermark never moves back and a failed poll never moves it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * MIN }), fc.integer({ min: 0, max: 10 * MIN }), (late, earlier) => {
        const state = initialPollState(START);
        const { window, state: leased } = beginPoll(state, START + late);
        expect(endPoll(leased, window, { ok: false, reason: "ABC said no" }).watermarkMs).toBe(START);
        const stale = { sinceMs: START - earlier, untilMs: START - earlier };
        expect(endPoll(leased, stale, { ok: true, atMs: START }).watermarkMs).toBe(START);
      }),
    );
  });
});

describe("ABC Ignite continuous: due, lease and freshness", () => {
  it("polls a club once per interval, not while its lease holds, and again at once after a failure", () => {
    const fresh = initialPollState(START);
    expect(pollDue(fresh, START)).toBe(true);
    const { window, state: leased } = beginPoll(fresh, START);
    expect(pollDue(leased, START + MIN)).toBe(false);
    expect(pollDue(leased, START + DEFAULT_POLL_SETTINGS.leaseMs)).toBe(true); // a dead Worker's lease expires
    const done = endPoll(leased, window, { ok: true, atMs: START });
    expect(done).toEqual({ watermarkMs: START, checkedAtMs: START, leaseUntilMs: null, lastError: null });
    expect(pollDue(done, START + 2 * MIN)).toBe(false);
    expect(pollDue(done, START + 3 * MIN)).toBe(true);
    const failed = endPoll(done, window, { ok: false, reason: "The listing failed" });
    expect(pollDue(failed, START + MIN)).toBe(true);
    expect(failed.lastError).toBe("The listing failed");
  });

  it("says how fresh the data is", () => {
    expect(pollFreshness(null, START)).toBe("not checked yet");
    expect(pollFreshness(START, START + 59_000)).toBe("checked just now");
    expect(pollFreshness(START, START + MIN)).toBe("checked 1 minute ago");
    expect(pollFreshness(START, START + 3 * MIN + 5_000)).toBe("checked 3 minutes ago");
    expect(pollFreshness(START, START + 125 * MIN)).toBe("checked 2 hours ago");
    expect(pollFreshness(START, START + 72 * 60 * MIN)).toBe("checked 3 days ago");
  });
});
