import { z } from "zod";
import { type ConnectionContext, type ConnectionProblem, ConnectorError } from "../connector";
import {
  type CallAnswer,
  type CallCounter,
  type CallRequest,
  MAX_RETRY_AFTER_MS,
  call,
  malformed,
} from "../shared/http";

/** What the admin enters in the Connect dialog for Mindbody: the developer key, the site and a staff login. */
export const mindbodyCredentialsSchema = z.object({
  apiKey: z.string().min(1, "Enter the Mindbody API key"),
  siteId: z
    .union([z.string(), z.number().int()])
    .transform(String)
    .pipe(z.string().regex(/^-?\d+$/, "The site id is a number")),
  username: z.string().min(1, "Enter the staff username"),
  password: z.string().min(1, "Enter the staff password"),
});
export type MindbodyCredentials = z.output<typeof mindbodyCredentialsSchema>;
export type MindbodyContext = ConnectionContext<MindbodyCredentials>;

const errorSchema = z.object({ Error: z.object({ Message: z.string().optional(), Code: z.string().optional() }) });

/** Mindbody's error body `{Error: {Message, Code}}` read into the problem an admin can act on. */
export function mindbodyProblem(
  status: number,
  body: unknown,
  headers: Headers,
): { problem: ConnectionProblem; message: string } | undefined {
  const parsed = errorSchema.safeParse(body);
  const code = parsed.success ? parsed.data.Error.Code : undefined;
  const said = parsed.success && parsed.data.Error.Message ? ` (Mindbody: ${parsed.data.Error.Message})` : "";
  if (status === 401 && code === "InvalidStaffCredentials")
    return { problem: "wrong-credentials", message: `The staff login is not accepted${said}` };
  if (status === 401) return { problem: "wrong-credentials", message: `The API key is not accepted${said}` };
  if (status === 400 && code === "InvalidSiteId")
    return { problem: "wrong-account", message: `The site id is not a Mindbody site${said}` };
  if (status === 403 && code === "InvalidUserAccessLevel")
    return { problem: "no-permission", message: `The staff user may not view clients${said}` };
  if (status === 403)
    return { problem: "no-permission", message: `The site has not granted this API key access${said}` };
  if (status === 429) {
    const wait = Number(headers.get("retry-after") ?? 0) * 1000;
    if (wait > MAX_RETRY_AFTER_MS)
      return { problem: "quota-exhausted", message: `The site's daily Mindbody call quota is used up${said}` };
    return { problem: "rate-limited", message: `Mindbody asked to slow down${said}` };
  }
  return undefined;
}

/** The Webhooks API lives on its own host in production (mb-api), beside the Public API elsewhere (simulators). */
export function webhooksApiBase(publicApiBase: string): string {
  const url = new URL(publicApiBase);
  if (url.hostname === "api.mindbodyonline.com") return "https://mb-api.mindbodyonline.com/push/api/v1";
  return `${url.origin}/push/api/v1`;
}

function baseHeaders(context: MindbodyContext): Record<string, string> {
  return { "Api-Key": context.credentials.apiKey, SiteId: context.credentials.siteId };
}

/**
 * Staff user tokens, kept for the isolate's life: a token lives for days, and issuing one per page would
 * double a listing's calls against the site's daily quota. A cache, not state: a miss costs one call.
 */
const tokens = new Map<string, string>();
const MAX_CACHED_TOKENS = 500;

function tokenKey(context: MindbodyContext): string {
  const { apiKey, siteId, username, password } = context.credentials;
  return JSON.stringify([context.baseUrl, apiKey, siteId, username, password]);
}

async function issueToken(context: MindbodyContext, counter: CallCounter): Promise<string> {
  const answer = await call(
    context,
    counter,
    {
      url: `${context.baseUrl}/usertoken/issue`,
      method: "POST",
      headers: baseHeaders(context),
      body: { Username: context.credentials.username, Password: context.credentials.password },
    },
    { problemFor: mindbodyProblem },
  );
  const parsed = z.object({ AccessToken: z.string().min(1) }).safeParse(answer.body);
  if (!parsed.success) throw malformed("staff token answer", "AccessToken missing");
  if (tokens.size >= MAX_CACHED_TOKENS) tokens.delete(tokens.keys().next().value as string);
  tokens.set(tokenKey(context), parsed.data.AccessToken);
  return parsed.data.AccessToken;
}

/** A Public API GET with the staff token; an expired cached token is replaced once. */
export async function staffGet(
  context: MindbodyContext,
  counter: CallCounter,
  path: string,
  query: Record<string, string>,
): Promise<CallAnswer> {
  const cached = tokens.get(tokenKey(context));
  const request = (token: string): CallRequest => ({
    url: `${context.baseUrl}${path}?${new URLSearchParams(query)}`,
    headers: { ...baseHeaders(context), Authorization: token },
  });
  try {
    return await call(context, counter, request(cached ?? (await issueToken(context, counter))), {
      problemFor: mindbodyProblem,
    });
  } catch (error) {
    const stale = error instanceof ConnectorError && error.status === 401 && cached !== undefined;
    if (!stale) throw error;
    tokens.delete(tokenKey(context));
    return call(context, counter, request(await issueToken(context, counter)), { problemFor: mindbodyProblem });
  }
}

/** A Public API GET that needs no staff token (site information). */
export function siteGet(
  context: MindbodyContext,
  counter: CallCounter,
  path: string,
  query: Record<string, string>,
): Promise<CallAnswer> {
  return call(
    context,
    counter,
    { url: `${context.baseUrl}${path}?${new URLSearchParams(query)}`, headers: baseHeaders(context) },
    { problemFor: mindbodyProblem },
  );
}

export const paginationSchema = z.object({
  RequestedLimit: z.number().int(),
  RequestedOffset: z.number().int(),
  PageSize: z.number().int(),
  TotalResults: z.number().int(),
});

export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
    .join("; ");
}
