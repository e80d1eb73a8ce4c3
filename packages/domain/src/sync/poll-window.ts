/**
 * Continuous sync for systems without webhooks (ABC Ignite): a delta poll from the cron, with a watermark
 * stored per integration and club (docs/adr/0018-abc-ignite-polling.md). These rules are pure; the engine
 * keeps the state in the database and the cron / queue run them.
 *
 * The guarantee: the windows of successful polls, each widened back by `overlapMs`, join up with no gap
 * from the first watermark on, whatever happens between them (a late or missed cron, a failed poll, a
 * Worker restart): a window starts at the last *stored* watermark, which only moves after the window's
 * changes are stored.
 */
export type PollState = {
  /** Instant up to which every change is stored; the next window starts here (less the overlap). */
  watermarkMs: number;
  /** The last successful poll ("checked 3 minutes ago"); null before the first. */
  checkedAtMs: number | null;
  /** A poll in flight holds the club until then (one poll per club at a time); null when free. */
  leaseUntilMs: number | null;
  /** Why the last poll failed (shown in Sync settings), null after a success. */
  lastError: string | null;
};

export type PollSettings = {
  /** How often a club is polled ("every few minutes"; the bench uses 1 minute). */
  intervalMs: number;
  /** Each window reaches back this far before the watermark: late writes at the source, clock skew, whole-second timestamps. */
  overlapMs: number;
  /** A lease older than this is presumed dead (its Worker crashed) and the club may be polled again. */
  leaseMs: number;
};

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  intervalMs: 3 * 60_000,
  overlapMs: 2 * 60_000,
  leaseMs: 10 * 60_000,
};

/** A new club starts from the start of its last complete full pass: everything before it was listed. */
export function initialPollState(lastFullPassStartedAtMs: number): PollState {
  return { watermarkMs: lastFullPassStartedAtMs, checkedAtMs: null, leaseUntilMs: null, lastError: null };
}

/** Whether the cron should enqueue a poll of this club now. */
export function pollDue(state: PollState, nowMs: number, settings: PollSettings = DEFAULT_POLL_SETTINGS): boolean {
  if (state.leaseUntilMs !== null && state.leaseUntilMs > nowMs) return false;
  return state.checkedAtMs === null || state.lastError !== null || nowMs - state.checkedAtMs >= settings.intervalMs;
}

export type PollWindow = { sinceMs: number; untilMs: number };

/** The window a poll starting now reads, and the state that leases the club for it. */
export function beginPoll(
  state: PollState,
  nowMs: number,
  settings: PollSettings = DEFAULT_POLL_SETTINGS,
): { window: PollWindow; state: PollState } {
  const window = { sinceMs: Math.min(state.watermarkMs - settings.overlapMs, nowMs), untilMs: nowMs };
  return { window, state: { ...state, leaseUntilMs: nowMs + settings.leaseMs } };
}

/**
 * After the poll: on success (every page of the window read and its changes stored) the watermark moves to
 * the window's end; on failure it stays, so the next window reads the same changes again.
 */
export function endPoll(
  state: PollState,
  window: PollWindow,
  outcome: { ok: true; atMs: number } | { ok: false; reason: string },
): PollState {
  if (!outcome.ok) return { ...state, leaseUntilMs: null, lastError: outcome.reason };
  return {
    watermarkMs: Math.max(state.watermarkMs, window.untilMs),
    checkedAtMs: outcome.atMs,
    leaseUntilMs: null,
    lastError: null,
  };
}

/** "checked just now", "checked 3 minutes ago", "checked 2 hours ago", "not checked yet". */
export function pollFreshness(checkedAtMs: number | null, nowMs: number): string {
  if (checkedAtMs === null) return "not checked yet";
  const seconds = Math.max(0, Math.floor((nowMs - checkedAtMs) / 1000));
  if (seconds < 60) return "checked just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `checked ${minutes} minute${minutes === 1 ? "" : "s"} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `checked ${hours} hour${hours === 1 ? "" : "s"} ago`;
  const days = Math.floor(hours / 24);
  return `checked ${days} days ago`;
}
