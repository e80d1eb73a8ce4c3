export type ListingTarget = "members" | "cctv";

export interface PageFault {
  /** 1-based page of a listing pass: the request without a cursor is page 1. */
  page: number;
  /** Only this listing; both when omitted. */
  target?: ListingTarget;
  /** Trigger this many times, then clear itself (lets a client's retry succeed). Forever when omitted. */
  times?: number;
}

export interface FailPageFault extends PageFault {
  status?: 500 | 503;
}

export interface MalformedPageFault extends PageFault {
  /** `truncated-json`: 200 with a body cut mid-JSON; `wrong-shape`: valid JSON that is not a listing page. */
  kind?: "truncated-json" | "wrong-shape";
}

/** Mutable at runtime: the server reads it on every request. */
export interface Faults {
  /** Delay every response except /health by this many milliseconds. */
  delayMs?: number;
  failPage?: FailPageFault;
  malformedPage?: MalformedPageFault;
}

export type ListingFault =
  | { kind: "fail"; status: 500 | 503 }
  | { kind: "malformed"; shape: "truncated-json" | "wrong-shape" };

function applies(fault: PageFault | undefined, target: ListingTarget, page: number): boolean {
  return fault !== undefined && fault.page === page && (fault.target === undefined || fault.target === target);
}

/** Consumes one use of a counted fault, deleting it once used up. */
function consume(faults: Faults, key: "failPage" | "malformedPage"): void {
  const fault = faults[key];
  if (fault?.times === undefined) return;
  fault.times -= 1;
  if (fault.times <= 0) delete faults[key];
}

export function takeListingFault(faults: Faults, target: ListingTarget, page: number): ListingFault | undefined {
  if (applies(faults.failPage, target, page)) {
    const status = faults.failPage?.status ?? 500;
    consume(faults, "failPage");
    return { kind: "fail", status };
  }
  if (applies(faults.malformedPage, target, page)) {
    const shape = faults.malformedPage?.kind ?? "truncated-json";
    consume(faults, "malformedPage");
    return { kind: "malformed", shape };
  }
  return undefined;
}
