/**
 * ABC Ignite poll lag for bench:connectors: seconds from a change at the simulator to the change being read
 * by the delta poll, with the poll driven on a 1-minute schedule in this process by the same rules the
 * Worker's cron and `poll.step` use (the domain's `pollDue` / `beginPoll` / `endPoll`, ADR 0018: a window
 * from the watermark less the 2-minute overlap, the watermark moved only after the window is read) and the
 * same connector delta (club-local `lastModifiedTimestampRange`, every page of the window).
 *
 * One member changes every `changeEveryMs` (a unique first name each time); a change's lag ends when the
 * poll reads and validates its record. Not included: the apply queue after it (the Worker's `webhooks`
 * queue batches for at most 1 s, wrangler.jsonc) and the row write (about the same for every source).
 */
import { parseListingRecord, DEFAULT_POLL_SETTINGS, beginPoll, endPoll, initialPollState, pollDue } from "@uas/domain";
import type { ConnectionContext, Connector } from "../src";

export type PollLag = {
  poll_interval_seconds: number;
  minutes: number;
  changes: number;
  changes_read: number;
  polls: number;
  calls_per_poll_max: number;
  lag_p50_seconds: number;
  lag_p99_seconds: number;
  lag_max_seconds: number;
};

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

export async function measurePollLag<C>(input: {
  connector: Connector<C>;
  context: ConnectionContext<C>;
  change: (firstName: string) => Promise<void>;
  minutes: number;
  changeEveryMs?: number;
  intervalMs?: number;
}): Promise<PollLag> {
  const settings = { ...DEFAULT_POLL_SETTINGS, intervalMs: input.intervalMs ?? 60_000 };
  const changeEveryMs = input.changeEveryMs ?? 2000;
  const pending = new Map<string, number>();
  const lags: number[] = [];
  let changes = 0;
  let polls = 0;
  let maxCalls = 0;
  const endAt = Date.now() + input.minutes * 60_000;
  let state = initialPollState(Date.now());

  const changer = (async () => {
    while (Date.now() < endAt) {
      const name = `Lag${changes}x${Date.now()}`;
      await input.change(name);
      pending.set(name, Date.now());
      changes += 1;
      await new Promise((resolve) => setTimeout(resolve, changeEveryMs));
    }
  })();

  // The cron fires each minute; a club is polled when due (here: every minute). After the changes stop,
  // one more interval so the last ones are read.
  while (Date.now() < endAt + settings.intervalMs + 5_000) {
    // The cron's scheduled time, as the Worker's `scheduled` sees it: the minute, not the timer's drift.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    if (pollDue(state, now, settings)) {
      const begun = beginPoll(state, now, settings);
      const since = new Date(begun.window.sinceMs).toISOString();
      let cursor: string | null = null;
      let calls = 0;
      try {
        do {
          const page = await input.connector.listPage(input.context, { locationIds: null, cursor, since });
          calls += page.calls;
          const readAt = Date.now();
          for (const record of page.records) {
            if (!parseListingRecord("integration", record).ok) continue;
            const name = String(record.first_name ?? "");
            const changedAt = pending.get(name);
            if (changedAt !== undefined) {
              lags.push((readAt - changedAt) / 1000);
              pending.delete(name);
            }
          }
          cursor = page.nextCursor;
        } while (cursor !== null);
        // As the Worker does: the data is fresh as of the window's end, and the interval counts from there.
        state = endPoll(begun.state, begun.window, { ok: true, atMs: begun.window.untilMs });
      } catch (error) {
        state = endPoll(begun.state, begun.window, { ok: false, reason: String(error) });
      }
      polls += 1;
      maxCalls = Math.max(maxCalls, calls);
    }
    // The cron's granularity: one look a minute, aligned as the Worker's `* * * * *` is.
    await new Promise((resolve) => setTimeout(resolve, 60_000 - (Date.now() % 60_000)));
  }
  await changer;
  const sorted = [...lags].sort((a, b) => a - b);
  const round1 = (value: number) => Math.round(value * 10) / 10;
  return {
    poll_interval_seconds: settings.intervalMs / 1000,
    minutes: input.minutes,
    changes,
    changes_read: lags.length,
    polls,
    calls_per_poll_max: maxCalls,
    lag_p50_seconds: round1(percentile(sorted, 50)),
    lag_p99_seconds: round1(percentile(sorted, 99)),
    lag_max_seconds: round1(sorted.at(-1) ?? Number.NaN),
  };
}
