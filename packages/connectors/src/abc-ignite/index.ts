import { ConnectorError, type Connector, type ConnectionContext, type ContractRecord } from "../connector";
import { type CallCounter, call } from "../shared/http";
import { formatClubTime } from "./club-time";
import { abcRecord, abcRemoval, abcStatusLabel, abcUnreadable } from "./map";
import { type AbcCredentials, abcCredentialsSchema, abcListSchema, abcMemberSchema } from "./schema";

export const ABC_IGNITE_BASE_URL = "https://api.abcfinancial.com/rest";
export const ABC_MAX_SIZE = 200;

type Context = ConnectionContext<AbcCredentials>;

/** ABC's own text: `{status: {message}}`, on any status. */
function statusMessage(body: unknown): string | null {
  const status = typeof body === "object" && body !== null ? (body as { status?: unknown }).status : undefined;
  const message = typeof status === "object" && status !== null ? (status as { message?: unknown }).message : undefined;
  return typeof message === "string" && message !== "" ? message : null;
}

async function get(context: Context, path: string, query: Record<string, string> = {}) {
  const { appId, appKey, clubNumber } = context.credentials;
  const url = new URL(`${context.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(clubNumber)}${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const counter: CallCounter = { calls: 0 };
  const answer = await call(
    context,
    counter,
    { url: url.toString(), headers: { app_id: appId, app_key: appKey } },
    {
      pass: [404],
      problemFor(status, body) {
        const message = statusMessage(body);
        const reason = message ? `: ${message}` : "";
        if (status === 401)
          return { problem: "wrong-credentials", message: `ABC Ignite refused the app_id / app_key${reason}` };
        if (status === 403) return { problem: "no-permission", message: `ABC Ignite denied access${reason}` };
        if (status === 429)
          return { problem: "rate-limited", message: "ABC Ignite kept answering 429 (too many requests)" };
        return { problem: "source-error", message: `ABC Ignite answered ${status}${reason}` };
      },
    },
  );
  const message = statusMessage(answer.body);
  if (answer.status === 404 && (path === "/members" || /club/i.test(message ?? "")))
    throw new ConnectorError(
      "wrong-account",
      `ABC Ignite does not know club ${clubNumber}${message ? `: ${message}` : ""}`,
      404,
    );
  return { status: answer.status, body: answer.body, calls: counter.calls, message };
}

/**
 * The trap: a 200 with no members whose `status.message` is not "success" is a failure with that reason,
 * never "nobody is a member" (an empty club, or an empty delta, says "success").
 */
function readList(answer: { body: unknown; message: string | null }) {
  const list = abcListSchema.safeParse(answer.body);
  if (!list.success) throw new ConnectorError("source-error", "ABC Ignite answered with a malformed member list", 200);
  const members = list.data.members ?? [];
  if (members.length === 0 && answer.message !== null && !/^success$/i.test(answer.message.trim())) {
    throw new ConnectorError(
      "source-error",
      `ABC Ignite answered 200 with no members and the reason "${answer.message}"`,
      200,
    );
  }
  return { members, nextPage: list.data.status.nextPage };
}

/** Cursor: the next page, and for a delta the range's end fixed at the first page (pages must agree). */
function readCursor(cursor: string | null): { page: number; endMs: number | null } {
  if (cursor === null) return { page: 1, endMs: null };
  const match = /^(\d+)(?:@(\d+))?$/.exec(cursor);
  if (match === null) throw new ConnectorError("source-error", `Bad ABC Ignite cursor "${cursor}"`);
  return { page: Number(match[1]), endMs: match[2] === undefined ? null : Number(match[2]) };
}

export const abcIgniteConnector: Connector<AbcCredentials> = {
  system: "abc-ignite",
  credentialsSchema: abcCredentialsSchema,
  supportsDelta: true,

  async testConnection(context) {
    readList(await get(context, "/members", { page: "1", size: "1" }));
  },

  /** Credentials are per club: the club is the one location. */
  async locations(context) {
    return [{ id: context.credentials.clubNumber, name: `ABC Ignite club ${context.credentials.clubNumber}` }];
  },

  async listPage(context, request) {
    const { clubNumber, clubTimeZone } = context.credentials;
    if (request.locationIds !== null && !request.locationIds.includes(clubNumber))
      return { records: [], nextCursor: null, calls: 0 };
    const { page, endMs: cursorEnd } = readCursor(request.cursor);
    const size = Math.min(context.tuning?.pageSize ?? ABC_MAX_SIZE, ABC_MAX_SIZE);
    const delta = request.since !== undefined;
    const query: Record<string, string> = { page: String(page), size: String(size) };
    const endMs = cursorEnd ?? Date.now();
    if (delta) {
      const start = formatClubTime(Date.parse(request.since as string), clubTimeZone);
      query.lastModifiedTimestampRange = `${start},${formatClubTime(endMs, clubTimeZone)}`;
    } else {
      // A full listing states who is a member now (absence is the removal); a delta must see leavers too.
      query.activeStatus = "Active";
    }
    const answer = await get(context, "/members", query);
    if (answer.status !== 200)
      throw new ConnectorError(
        "source-error",
        `ABC Ignite answered ${answer.status} for the member list`,
        answer.status,
      );
    const { members, nextPage } = readList(answer);
    const records: ContractRecord[] = [];
    const removals: ContractRecord[] = [];
    for (const raw of members) {
      const member = abcMemberSchema.safeParse(raw);
      if (!member.success) records.push(abcUnreadable(raw));
      else if (member.data.personal.isActive) records.push(abcRecord(member.data, clubNumber, clubTimeZone));
      else if (delta) removals.push(abcRemoval(member.data, clubNumber, clubTimeZone));
    }
    const next = nextPage === undefined || nextPage === "" ? null : `${page + 1}${delta ? `@${endMs}` : ""}`;
    return { records, ...(delta ? { removals } : {}), nextCursor: next, calls: answer.calls };
  },

  /** Not found, or no longer active, is null: gone at the source. */
  async fetchOne(context, externalId) {
    const { clubNumber, clubTimeZone } = context.credentials;
    const answer = await get(context, `/members/${encodeURIComponent(externalId)}`);
    if (answer.status === 404) return null;
    const { members } = readList(answer);
    const member = abcMemberSchema.safeParse(members[0]);
    if (!member.success) throw new ConnectorError("source-error", "ABC Ignite answered with a malformed member", 200);
    return member.data.personal.isActive ? abcRecord(member.data, clubNumber, clubTimeZone) : null;
  },

  statusLabel: abcStatusLabel,
};
