import { afterEach } from "vitest";
import {
  startMindbodySimulator,
  type MindbodySimulator,
  type MindbodySimulatorOptions,
} from "../../src/mindbody/index";
import { CONTROL_KEY, startReceiver, type Receiver } from "../receiver";

export const API_KEY = "mb-dev-key";
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

export async function startMindbody(options: Partial<MindbodySimulatorOptions> = {}): Promise<MindbodySimulator> {
  const sim = await startMindbodySimulator({
    controlKey: CONTROL_KEY,
    apiKeys: [API_KEY],
    clientCount: 50,
    ...options,
  });
  running.push(sim);
  return sim;
}

export async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  running.push(r);
  return r;
}

/** A staff token for the site, issued as a connector would. */
export async function staffToken(
  sim: MindbodySimulator,
  username = "owner",
  password = "owner-password",
): Promise<string> {
  const res = await fetch(`${sim.apiBaseUrl}/usertoken/issue`, {
    method: "POST",
    headers: { "Api-Key": API_KEY, SiteId: String(sim.siteId), "Content-Type": "application/json" },
    body: JSON.stringify({ Username: username, Password: password }),
  });
  if (res.status !== 200) throw new Error(`token: HTTP ${res.status}`);
  return ((await res.json()) as { AccessToken: string }).AccessToken;
}

export function mbGet(
  sim: MindbodySimulator,
  path: string,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${sim.apiBaseUrl}${path}`, {
    headers: {
      "Api-Key": API_KEY,
      SiteId: String(sim.siteId),
      ...(token === null ? {} : { Authorization: token }),
      ...headers,
    },
  });
}

export interface ClientsPage {
  PaginationResponse: { RequestedLimit: number; RequestedOffset: number; PageSize: number; TotalResults: number };
  Clients: Array<{
    Id: string;
    UniqueId: number;
    Active: boolean;
    Status: string;
    LastModifiedDateTime: string;
    FirstName: string;
  }>;
}

/** Pages through GET /client/clients until TotalResults is reached or a page comes back short. */
export async function readAllClients(
  sim: MindbodySimulator,
  token: string,
  query = "",
  limit = 200,
): Promise<{ clients: ClientsPage["Clients"]; pages: number; totals: number[] }> {
  const clients: ClientsPage["Clients"] = [];
  const totals: number[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += limit) {
    const res = await mbGet(sim, `/client/clients?request.limit=${limit}&request.offset=${offset}${query}`, token);
    if (res.status !== 200) throw new Error(`offset ${offset}: HTTP ${res.status}`);
    const page = (await res.json()) as ClientsPage;
    pages += 1;
    totals.push(page.PaginationResponse.TotalResults);
    clients.push(...page.Clients);
    if (page.Clients.length < limit || clients.length >= page.PaginationResponse.TotalResults) break;
  }
  return { clients, pages, totals };
}
