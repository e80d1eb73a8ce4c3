import { z } from "zod";
import type { ConnectionContext, ConnectionProblem } from "../connector";
import { type CallAnswer, type CallCounter, type CallOptions, call } from "../shared/http";

/** What the admin enters for PushPress: an API key and the company (PushPress's "company-id"). */
export const pushpressCredentialsSchema = z.object({
  apiKey: z.string().min(1, "Enter the PushPress API key"),
  companyId: z.string().min(1, "Enter the PushPress company id"),
});
export type PushPressCredentials = z.output<typeof pushpressCredentialsSchema>;
export type PushPressContext = ConnectionContext<PushPressCredentials>;

const errorSchema = z.object({ message: z.string() });

/** PushPress errors are `{message}`: a 404 that names the company is a wrong company, not a missing person. */
export function pushpressProblem(
  status: number,
  body: unknown,
): { problem: ConnectionProblem; message: string } | undefined {
  const parsed = errorSchema.safeParse(body);
  const said = parsed.success ? ` (PushPress: ${parsed.data.message})` : "";
  if (status === 401) return { problem: "wrong-credentials", message: `The API key is not accepted${said}` };
  if (status === 400 || (status === 404 && isCompanyNotFound(body)))
    return { problem: "wrong-account", message: `The company id is not a PushPress company${said}` };
  if (status === 403 && /not authorized for company/i.test(parsed.success ? parsed.data.message : ""))
    return { problem: "wrong-account", message: `The API key does not belong to this company${said}` };
  if (status === 403) return { problem: "no-permission", message: `The API key lacks a permission${said}` };
  if (status === 429) return { problem: "rate-limited", message: `PushPress asked to slow down${said}` };
  return undefined;
}

export function isCompanyNotFound(body: unknown): boolean {
  const parsed = errorSchema.safeParse(body);
  return parsed.success && /company/i.test(parsed.data.message);
}

export function pushpressCall(
  context: PushPressContext,
  counter: CallCounter,
  path: string,
  options: { method?: string; body?: unknown; query?: Record<string, string>; pass?: CallOptions["pass"] } = {},
): Promise<CallAnswer> {
  const query = options.query ? `?${new URLSearchParams(options.query)}` : "";
  return call(
    context,
    counter,
    {
      url: `${context.baseUrl}${path}${query}`,
      method: options.method ?? "GET",
      headers: { "API-KEY": context.credentials.apiKey, "company-id": context.credentials.companyId },
      ...(options.body === undefined ? {} : { body: options.body }),
    },
    { problemFor: pushpressProblem, ...(options.pass ? { pass: options.pass } : {}) },
  );
}

export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`)
    .join("; ");
}
