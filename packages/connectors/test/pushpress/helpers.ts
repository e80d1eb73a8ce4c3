import {
  type PushPressSimulator,
  type PushPressSimulatorOptions,
  startPushPressSimulator,
} from "@uas/simulators/pushpress";
import type { ConnectionContext } from "../../src";
import type { PushPressCredentials } from "../../src/pushpress";
import { CONTROL_KEY, closeAfterTest, countingFetch } from "../support";

export const API_KEY = "pp-connector-key";

export async function startPushPress(options: Partial<PushPressSimulatorOptions> = {}): Promise<PushPressSimulator> {
  return closeAfterTest(
    await startPushPressSimulator({ controlKey: CONTROL_KEY, apiKeys: [API_KEY], customerCount: 50, ...options }),
  );
}

export function pushpressContext(
  sim: PushPressSimulator,
  overrides: Partial<PushPressCredentials> = {},
): ConnectionContext<PushPressCredentials> & { requests: string[] } {
  const { fetch, requests } = countingFetch();
  return {
    baseUrl: sim.apiBaseUrl,
    credentials: { apiKey: API_KEY, companyId: sim.companyId, ...overrides },
    fetch,
    tuning: { minRetryDelayMs: 5, retries: 3 },
    requests,
  };
}

/**
 * The official SDK's signer (`@pushpress/pushpress`, `WebhookSecurity` in src/hooks/webhook-security-custom.ts),
 * loaded from its TypeScript sources at run time: the package ships no compiled entry point.
 */
export async function sdkSign(body: string, secret: string): Promise<string> {
  // A variable specifier: TypeScript leaves the SDK's sources alone (they are not ours to typecheck).
  const source = "@pushpress/pushpress/src/hooks/webhook-security-custom.ts";
  const { WebhookSecurity } = (await import(/* @vite-ignore */ source)) as {
    WebhookSecurity: new () => { sign(input: { secret: string; request: Request }): Promise<Request> };
  };
  const signed = await new WebhookSecurity().sign({
    secret,
    request: new Request("https://uas.example/webhooks/integrations/int_1", { method: "POST", body }),
  });
  return signed.headers.get("webhook-signature") ?? "";
}
