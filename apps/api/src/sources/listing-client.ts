import pRetry, { AbortError } from "p-retry";
import { z } from "zod";
import type { ListingPage, ListingPort } from "@uas/engine";
import { partnerUrlProblem, type PartnerUrlPolicy } from "./partner-url";

/** The listing page shape of the partner contract; records stay raw, the domain validates each one. */
const listingPageSchema = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string().min(1).nullable(),
});

export type HttpSourceOptions = {
  /** The listing URL without query, e.g. `{base}/members` or `{base}/facilities/{id}/people`. */
  url: string;
  apiKey: string;
  /** Checked again before every request: a stored URL may predate the rule. */
  policy: PartnerUrlPolicy;
  pageSize?: number;
  timeoutMs?: number;
  retries?: number;
  /** Backoff base in ms (tests make it small). */
  minRetryDelayMs?: number;
  fetch?: typeof fetch;
};

export class SourceHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SourceHttpError";
  }
}

const isTransient = (status: number) => status === 429 || status >= 500;

/**
 * GET with a bearer key, a timeout, and retries with backoff on 5xx, 429 and network errors. The key goes
 * only to a URL the policy allows, and a redirect is never followed (it could lead anywhere, key and all).
 */
export async function getJson(url: string, options: HttpSourceOptions): Promise<{ status: number; body: unknown }> {
  const refused = partnerUrlProblem(url, options.policy);
  if (refused) throw new SourceHttpError(0, `the source's URL is refused: ${refused}`);
  const doFetch = options.fetch ?? fetch;
  return pRetry(
    async () => {
      const res = await doFetch(url, {
        headers: { authorization: `Bearer ${options.apiKey}`, accept: "application/json" },
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        redirect: "manual",
      });
      if (res.status === 404) return { status: 404, body: null };
      if (res.status >= 300 && res.status < 400) {
        throw new AbortError(
          new SourceHttpError(
            res.status,
            `the source answered a redirect (${res.status}), which is not followed: check its base URL`,
          ),
        );
      }
      if (!res.ok) {
        const error = new SourceHttpError(res.status, `the source answered ${res.status}`);
        if (!isTransient(res.status)) throw new AbortError(error);
        const retryAfter = Number(res.headers.get("retry-after"));
        if (Number.isFinite(retryAfter) && retryAfter > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 30) * 1000));
        }
        throw error;
      }
      try {
        return { status: res.status, body: await res.json() };
      } catch {
        throw new SourceHttpError(res.status, "the source answered with a body that is not JSON");
      }
    },
    {
      retries: options.retries ?? 3,
      minTimeout: options.minRetryDelayMs ?? 500,
      factor: 2,
      randomize: true,
    },
  );
}

/** A source's listing read page by page over HTTP (partner contract, "Pull: listings"). */
export function httpListing(options: HttpSourceOptions): ListingPort {
  return {
    async fetchPage(cursor) {
      const url = new URL(options.url);
      url.searchParams.set("limit", String(options.pageSize ?? 1000));
      if (cursor) url.searchParams.set("cursor", cursor);
      const { status, body } = await getJson(url.toString(), options);
      if (status === 404) throw new SourceHttpError(404, "the listing was not found at the source");
      const page = listingPageSchema.safeParse(body);
      if (!page.success) throw new SourceHttpError(status, "the source answered with a malformed listing page");
      return { records: page.data.data, nextCursor: page.data.next_cursor } satisfies ListingPage;
    },
  };
}
