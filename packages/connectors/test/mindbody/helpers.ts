import { createHmac } from "node:crypto";
import {
  type MindbodySimulator,
  type MindbodySimulatorOptions,
  startMindbodySimulator,
} from "@uas/simulators/mindbody";
import type { ConnectionContext } from "../../src";
import type { MindbodyCredentials } from "../../src/mindbody";
import { CONTROL_KEY, closeAfterTest, countingFetch } from "../support";

export const API_KEY = "mb-connector-key";

export async function startMindbody(options: Partial<MindbodySimulatorOptions> = {}): Promise<MindbodySimulator> {
  return closeAfterTest(
    await startMindbodySimulator({ controlKey: CONTROL_KEY, apiKeys: [API_KEY], clientCount: 50, ...options }),
  );
}

export function mindbodyContext(
  sim: MindbodySimulator,
  overrides: Partial<MindbodyCredentials> = {},
  tuning: ConnectionContext["tuning"] = { minRetryDelayMs: 5, retries: 3 },
): ConnectionContext<MindbodyCredentials> & { requests: string[] } {
  const { fetch, requests } = countingFetch();
  return {
    baseUrl: sim.apiBaseUrl,
    credentials: {
      apiKey: API_KEY,
      siteId: String(sim.siteId),
      username: "owner",
      password: "owner-password",
      ...overrides,
    },
    fetch,
    tuning,
    requests,
  };
}

/**
 * An independent Mindbody signer, written from the public format (not from the connector's or the
 * simulator's code): "sha256=" + Base64(HMAC-SHA256(key = UTF-8 bytes of messageSignatureKey, raw body)).
 */
export function signMindbody(rawBody: string, messageSignatureKey: string): string {
  return `sha256=${createHmac("sha256", Buffer.from(messageSignatureKey, "utf8")).update(Buffer.from(rawBody, "utf8")).digest("base64")}`;
}
