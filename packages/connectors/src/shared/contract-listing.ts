import { z } from "zod";
import { type ConnectionContext, ConnectorError, type ContractRecord, type ListingPage } from "../connector";
import { getJson } from "./http";

/** The listing page of the partner contract (§2); records stay raw, the domain validates each one. */
const listingPageSchema = z.object({
  data: z.array(z.unknown()),
  next_cursor: z.string().min(1).nullable(),
});

const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

/** `GET {url}?limit=&cursor=` with a bearer key: one page of a contract listing (cursor paging). */
export async function contractPage(
  context: ConnectionContext<{ apiKey: string }>,
  url: string,
  cursor: string | null,
): Promise<ListingPage> {
  const pageUrl = new URL(url);
  pageUrl.searchParams.set("limit", String(context.tuning?.pageSize ?? 1000));
  if (cursor) pageUrl.searchParams.set("cursor", cursor);
  const { status, body } = await getJson(context, pageUrl.toString(), bearer(context.credentials.apiKey));
  if (status === 404) throw new ConnectorError("wrong-account", "the listing was not found at the source", 404);
  const page = listingPageSchema.safeParse(body);
  if (!page.success)
    throw new ConnectorError("source-error", "the source answered with a malformed listing page", status);
  return { records: page.data.data as ContractRecord[], nextCursor: page.data.next_cursor, calls: 1 };
}

/** `GET {url}/{id}`: one record, or null when the source answers 404 (it no longer has the person). */
export async function contractRecord(
  context: ConnectionContext<{ apiKey: string }>,
  url: string,
  externalId: string,
): Promise<ContractRecord | null> {
  const { status, body } = await getJson(
    context,
    `${url}/${encodeURIComponent(externalId)}`,
    bearer(context.credentials.apiKey),
  );
  // Returned as answered: the domain validates it and names what is wrong.
  return status === 404 ? null : (body as ContractRecord);
}

export const trimSlash = (url: string) => url.replace(/\/+$/, "");
