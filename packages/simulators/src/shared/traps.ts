import { isInt } from "./http";

/**
 * Ways a real member system lies with a 2xx, switched on and off through `POST /control/traps`
 * (a POST replaces all of them; `{}` clears). Not every system has every trap: `successFalse` is
 * Glofox's, `emptyWithReason` ABC Ignite's; the listing traps work everywhere.
 */
export interface Traps {
  /** The first page is served as usual; every later page is empty and the totals claim only the first page existed. */
  onePageThenNothing?: boolean;
  /** The listing holds only the first N people (consistent totals), as if the rest had vanished. */
  shrinkTo?: number;
  /** Glofox: listing requests answer HTTP 200 `{"success": false, "message": …}`. */
  successFalse?: { message: string };
  /** ABC Ignite: listing requests answer HTTP 200 with no members and the reason only in `status.message`. */
  emptyWithReason?: { message: string };
  /** The next `times` authenticated API requests fail with this 5xx (an outage), then the trap clears itself. */
  failNext?: { status: 500 | 502 | 503; times: number };
}

export type TrapName = keyof Traps;

export function parseTraps(value: unknown, allowed: readonly TrapName[]): Traps | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "Expected a JSON object of traps";
  const input = value as Record<string, unknown>;
  const unknown = Object.keys(input).find((key) => !(allowed as readonly string[]).includes(key));
  if (unknown !== undefined) return `Unknown trap "${unknown}"; this simulator has ${allowed.join(", ")}`;
  const traps: Traps = {};
  if (input.onePageThenNothing !== undefined) {
    if (typeof input.onePageThenNothing !== "boolean") return "onePageThenNothing must be a boolean";
    if (input.onePageThenNothing) traps.onePageThenNothing = true;
  }
  if (input.shrinkTo !== undefined) {
    if (!isInt(input.shrinkTo, 0, 10_000_000)) return "shrinkTo must be an integer ≥ 0";
    traps.shrinkTo = input.shrinkTo;
  }
  if (input.failNext !== undefined) {
    const raw = input.failNext as { status?: unknown; times?: unknown } | null;
    if (
      typeof raw !== "object" ||
      raw === null ||
      ![500, 502, 503].includes(raw.status as number) ||
      !isInt(raw.times ?? 1, 1, 1_000_000)
    ) {
      return 'failNext must be {"status": 500|502|503, "times": n}';
    }
    traps.failNext = { status: raw.status as 500 | 502 | 503, times: (raw.times as number | undefined) ?? 1 };
  }
  for (const key of ["successFalse", "emptyWithReason"] as const) {
    const raw = input[key];
    if (raw === undefined || raw === false) continue;
    if (raw === true)
      traps[key] = {
        message:
          key === "successFalse"
            ? "Something went wrong, please try again later"
            : "Request could not be processed: club data is being refreshed",
      };
    else if (typeof raw === "object" && raw !== null && typeof (raw as { message?: unknown }).message === "string")
      traps[key] = { message: (raw as { message: string }).message };
    else return `${key} must be true or {"message": "…"}`;
  }
  return traps;
}

export function replaceTraps(target: Traps, next: Traps): void {
  for (const key of Object.keys(target) as TrapName[]) delete target[key];
  Object.assign(target, next);
}

/**
 * The people a listing shows under the listing traps, and the total it claims. `firstIndex` is the index
 * of the first row the request asks for (0 on the first page).
 */
export function applyListingTraps<T>(
  traps: Traps,
  people: readonly T[],
  firstIndex: number,
  pageSize: number,
): { rows: readonly T[]; total: number } {
  const visible = traps.shrinkTo === undefined ? people : people.slice(0, traps.shrinkTo);
  if (traps.onePageThenNothing) {
    const firstPage = Math.min(pageSize, visible.length);
    return firstIndex === 0 ? { rows: visible, total: firstPage } : { rows: [], total: firstPage };
  }
  return { rows: visible, total: visible.length };
}

/** The status of an injected outage for this request (and one fewer left), or undefined. */
export function takeFailure(traps: Traps): number | undefined {
  const failure = traps.failNext;
  if (failure === undefined) return undefined;
  failure.times -= 1;
  if (failure.times <= 0) delete traps.failNext;
  return failure.status;
}
