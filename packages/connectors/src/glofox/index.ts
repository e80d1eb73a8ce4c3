import { ConnectorError, type Connector, type ConnectionContext, type ContractRecord } from "../connector";
import { type CallCounter, call } from "../shared/http";
import { Pacer } from "./pacer";
import { glofoxRecord, glofoxRemoval, glofoxStatusLabel, glofoxUnreadable } from "./map";
import {
  type GlofoxCredentials,
  glofoxCredentialsSchema,
  glofoxFailureSchema,
  glofoxListSchema,
  glofoxMemberSchema,
} from "./schema";
import { glofoxWebhooks } from "./webhooks";

export const GLOFOX_BASE_URL = "https://gf-api.aws.glofox.com/prod";
/** `limit` is at most 100 at Glofox. */
export const GLOFOX_MAX_LIMIT = 100;
/** About 10 requests/s published; one call every 110 ms stays under it with margin. */
export const glofoxPacer = new Pacer(110);

type Context = ConnectionContext<GlofoxCredentials>;

function headersOf(credentials: GlofoxCredentials): Record<string, string> {
  return {
    "x-api-key": credentials.apiKey,
    "x-glofox-api-token": credentials.apiToken,
    "x-glofox-branch-id": credentials.branchId,
  };
}

/** Glofox's own error text (`{success: false, message, message_code}`), on any status. */
function said(body: unknown): { message: string | null; code: string | null } {
  const failure = glofoxFailureSchema.safeParse(body);
  return failure.success
    ? { message: failure.data.message ?? null, code: failure.data.message_code ?? null }
    : { message: null, code: null };
}

async function get(context: Context, path: string, query: Record<string, string> = {}) {
  const url = new URL(`${context.baseUrl.replace(/\/+$/, "")}${path}`);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  const { apiKey, branchId } = context.credentials;
  const counter: CallCounter = { calls: 0 };
  const answer = await call(
    glofoxPacer.paced(context, `${url.origin}|${apiKey}|${branchId}`),
    counter,
    { url: url.toString(), headers: headersOf(context.credentials) },
    {
      pass: [404],
      problemFor(status, body) {
        const { message, code } = said(body);
        const reason = message ? `: ${message}` : "";
        if (status === 401)
          return { problem: "wrong-credentials", message: `Glofox refused the API key or token${reason}` };
        if (status === 403) return { problem: "no-permission", message: `Glofox denied access${reason}` };
        if (status === 400 && code === "BRANCH_REQUIRED")
          return { problem: "wrong-account", message: "The branch id is missing" };
        if (status === 429)
          return { problem: "rate-limited", message: "Glofox kept answering 429 (too many requests)" };
        return { problem: "source-error", message: `Glofox answered ${status}${reason}` };
      },
    },
  );
  const { message, code } = said(answer.body);
  if (answer.status === 404 && code !== "MEMBER_NOT_FOUND")
    throw new ConnectorError(
      "wrong-account",
      `Glofox does not know branch ${branchId}${message ? `: ${message}` : ""}`,
      404,
    );
  // The trap: an HTTP 200 whose body says it failed is a failed page, never an empty one.
  if (answer.status !== 404 && glofoxFailureSchema.safeParse(answer.body).success) {
    throw new ConnectorError(
      "source-error",
      `Glofox answered ${answer.status} but said the request failed: ${message ?? code ?? "no reason given"}`,
      answer.status,
    );
  }
  return { status: answer.status, body: answer.body, calls: counter.calls };
}

export const glofoxConnector: Connector<GlofoxCredentials> = {
  system: "glofox",
  credentialsSchema: glofoxCredentialsSchema,
  supportsDelta: true,

  async testConnection(context) {
    const answer = await get(context, "/2.0/members", { active: "any", page: "1", limit: "1" });
    if (!glofoxListSchema.safeParse(answer.body).success)
      throw new ConnectorError("source-error", "Glofox answered with a malformed member list", answer.status);
  },

  /** A Glofox integration reads one branch (its token is per branch): that branch is the one location. */
  async locations(context) {
    return [{ id: context.credentials.branchId, name: `Glofox branch ${context.credentials.branchId}` }];
  },

  async listPage(context, request) {
    const branchId = context.credentials.branchId;
    if (request.locationIds !== null && !request.locationIds.includes(branchId))
      return { records: [], nextCursor: null, calls: 0 };
    const page = request.cursor === null ? 1 : Number(request.cursor);
    if (!Number.isInteger(page) || page < 1)
      throw new ConnectorError("source-error", `Bad Glofox cursor "${request.cursor}"`);
    const limit = Math.min(context.tuning?.pageSize ?? GLOFOX_MAX_LIMIT, GLOFOX_MAX_LIMIT);
    const delta = request.since !== undefined;
    const query: Record<string, string> = {
      // A full listing states who is a member now (absence is the removal); a delta must see removals too.
      active: delta ? "any" : "true",
      page: String(page),
      limit: String(limit),
    };
    if (delta) query.utc_modified_start_date = String(Math.floor(Date.parse(request.since as string) / 1000));
    const answer = await get(context, "/2.0/members", query);
    if (answer.status === 404) throw new ConnectorError("source-error", "Glofox answered 404 for the member list", 404);
    const list = glofoxListSchema.safeParse(answer.body);
    if (!list.success) throw new ConnectorError("source-error", "Glofox answered with a malformed member list", 200);
    const records: ContractRecord[] = [];
    const removals: ContractRecord[] = [];
    for (const raw of list.data.data) {
      const member = glofoxMemberSchema.safeParse(raw);
      // A record that does not read is handed on as it is: the domain names its fields in a Skipped entry.
      if (!member.success) records.push(glofoxUnreadable(raw));
      else if (member.data.active) records.push(glofoxRecord(member.data, branchId));
      else if (delta) removals.push(glofoxRemoval(member.data, branchId));
    }
    return {
      records,
      ...(delta ? { removals } : {}),
      nextCursor: list.data.has_more ? String(page + 1) : null,
      calls: answer.calls,
    };
  },

  /** A member who is not found, or no longer active, is null: gone at the source. */
  async fetchOne(context, externalId) {
    const answer = await get(context, `/2.0/members/${encodeURIComponent(externalId)}`);
    if (answer.status === 404) return null;
    const member = glofoxMemberSchema.safeParse(answer.body);
    if (!member.success) throw new ConnectorError("source-error", "Glofox answered with a malformed member", 200);
    return member.data.active ? glofoxRecord(member.data, context.credentials.branchId) : null;
  },

  webhooks: glofoxWebhooks,
  statusLabel: glofoxStatusLabel,
};
