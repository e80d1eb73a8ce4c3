import type { Connector, ListingPage } from "../connector";

/** The most vendor calls one gathered page makes (10 of PushPress's or Glofox's 100 = 1,000 people). */
export const MAX_GATHERED_CALLS = 10;

/**
 * Native systems serve small pages (PushPress and Glofox 100 people, Mindbody and ABC Ignite 200), and the
 * engine's step reads a number of pages (PASS_PAGES_PER_STEP): read one vendor page at a time, a pass of
 * 100,000 PushPress customers was 200 steps where the partner contract's is 20, and the steps' fixed cost
 * made it several times slower (bench:connectors). A gathered page reads the system's pages one after
 * another until it holds the page size the Worker asks for (LISTING_PAGE_SIZE, `tuning.pageSize`), or
 * MAX_GATHERED_CALLS calls were made, or the listing ends; its cursor is the last vendor page's.
 */
export function gatheringPages<C>(connector: Connector<C>): Connector<C> {
  return {
    ...connector,
    async listPage(context, request) {
      const target = context.tuning?.pageSize ?? 1000;
      let page: ListingPage = await connector.listPage(context, request);
      const records = [...page.records];
      const removals = [...(page.removals ?? [])];
      let calls = page.calls;
      while (page.nextCursor !== null && records.length + removals.length < target && calls < MAX_GATHERED_CALLS) {
        page = await connector.listPage(context, { ...request, cursor: page.nextCursor });
        records.push(...page.records);
        removals.push(...(page.removals ?? []));
        calls += page.calls;
      }
      return { records, ...(request.since !== undefined ? { removals } : {}), nextCursor: page.nextCursor, calls };
    },
  };
}
