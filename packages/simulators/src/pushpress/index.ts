import { hasBearer, listen, segmentsAfter, sendJson } from "../shared/http";
import { DailyQuota, PerSecondLimit } from "../shared/limits";
import { readState, stateWriter } from "../shared/state-file";
import { FilterCache } from "../shared/store";
import type { Traps } from "../shared/traps";
import { API_PREFIX, handleApi } from "./api";
import { PushPressCompany } from "./company";
import type { PushPressApiKey, PushPressContext } from "./context";
import { handleControl } from "./control";
import { DEFAULT_COMPANY_ID, generateCustomers } from "./generate";
import { WEBHOOK_EVENT_TYPES, type Company, type Customer, type Enrollment } from "./types";
import { WebhookRegistry, type PushPressDeliveryOptions } from "./webhooks";

export * from "./types";
export { pushpressSignature } from "./signature";
export { API_PREFIX, DEFAULT_LIMIT, MAX_LIMIT } from "./api";
export { DEFAULT_COMPANY_ID, generateCustomers } from "./generate";
export type { PushPressApiKey } from "./context";
export type { PushPressDeliveryOptions, PushPressWebhook } from "./webhooks";

export interface PushPressSimulatorOptions {
  port?: number;
  host?: string;
  unref?: boolean;
  controlKey: string;
  /** Keys accepted in the `API-KEY` header: a string (all permissions, this company) or the key with its limits. */
  apiKeys: Array<string | PushPressApiKey>;
  companyId?: string;
  companyName?: string;
  customerCount?: number;
  seed?: number;
  stateFile?: string;
  /** An active webhook from the start, signing with this secret (what `.data/dev.json` holds as webhookSecret). */
  webhookTarget?: { url: string; signingSecret: string; eventTypes?: string[] };
  delivery?: PushPressDeliveryOptions;
  /** Requests per second before 429 with Retry-After (default: none; PushPress publishes no figure). */
  rateLimitPerSecond?: number;
  now?: () => number;
}

export interface PushPressSimulator {
  url: string;
  /** `${url}/v3` */
  apiBaseUrl: string;
  companyId: string;
  company: PushPressCompany;
  traps: Traps;
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

const STATE_KIND = "pushpress";

export async function startPushPressSimulator(options: PushPressSimulatorOptions): Promise<PushPressSimulator> {
  if (!options.controlKey) throw new Error("startPushPressSimulator: controlKey is required");
  if (options.apiKeys.length === 0) throw new Error("startPushPressSimulator: at least one API key is required");
  const now = options.now ?? Date.now;
  const companyId = options.companyId ?? DEFAULT_COMPANY_ID;
  const company: Company = {
    id: companyId,
    name: options.companyName ?? "Northside CrossFit",
    subdomain: "northside",
    address: {
      city: "Leeds",
      state: "West Yorkshire",
      postalCode: "LS1 1AA",
      country: { name: "United Kingdom", iso: "GB" },
      line1: "1 Example Street",
      line2: "",
    },
    defaultTimezone: "Europe/London",
    phone: null,
    email: "owner@northside.example.com",
    url: "https://northside.example.com",
  };
  const saved =
    options.stateFile === undefined
      ? undefined
      : readState<{ customers: Customer[]; enrollments: Enrollment[] }>(options.stateFile, STATE_KIND);
  const data = saved ?? generateCustomers({ seed: options.seed ?? 42, count: options.customerCount ?? 300, companyId });
  const webhooks = new WebhookRegistry(now, options.delivery);
  if (options.webhookTarget) {
    webhooks.create({
      url: options.webhookTarget.url,
      signingSecret: options.webhookTarget.signingSecret,
      eventTypes: options.webhookTarget.eventTypes ?? [...WEBHOOK_EVENT_TYPES],
    });
  }
  const state = new PushPressCompany(company, data, webhooks, now);
  const writer =
    options.stateFile === undefined
      ? undefined
      : stateWriter(options.stateFile, STATE_KIND, () => ({
          customers: state.customers.list(),
          enrollments: state.enrollments.list(),
        }));
  if (writer) {
    state.onChange = writer.schedule;
    if (saved === undefined) writer.schedule();
  }
  const ctx: PushPressContext = {
    company: state,
    webhooks,
    traps: {},
    apiKeys: options.apiKeys.map((k) => (typeof k === "string" ? { key: k } : k)),
    calls: new DailyQuota(Number.MAX_SAFE_INTEGER, now),
    rateLimit:
      options.rateLimitPerSecond === undefined ? undefined : new PerSecondLimit(options.rateLimitPerSecond, now),
    controlKey: options.controlKey,
    now,
    customerListing: new FilterCache(),
    enrollmentListing: new FilterCache(),
  };
  const server = await listen(
    "pushpress-simulator",
    async (req, res, url) => {
      if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });
      const control = segmentsAfter(url.pathname, "/control");
      if (control !== undefined) {
        if (!hasBearer(req, ctx.controlKey))
          return sendJson(res, 401, { message: "Missing or invalid bearer token" }, { "WWW-Authenticate": "Bearer" });
        return handleControl(ctx, req, res, control);
      }
      const api = segmentsAfter(url.pathname, API_PREFIX);
      if (api !== undefined) return handleApi(ctx, req, res, url, api);
      sendJson(res, 404, { message: "Not found" });
    },
    options,
  );
  return {
    url: server.url,
    apiBaseUrl: `${server.url}${API_PREFIX}`,
    companyId,
    company: state,
    traps: ctx.traps,
    webhooksIdle: () => webhooks.deliverer.idle(),
    close: async () => {
      webhooks.deliverer.close();
      writer?.flush();
      await server.close();
    },
  };
}
