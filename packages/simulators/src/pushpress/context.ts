import type { DailyQuota, PerSecondLimit } from "../shared/limits";
import type { FilterCache } from "../shared/store";
import type { Traps } from "../shared/traps";
import type { PushPressCompany } from "./company";
import type { Customer, Enrollment } from "./types";
import type { WebhookRegistry } from "./webhooks";

export interface PushPressApiKey {
  key: string;
  /** Companies this key may act for (default: the simulator's company). */
  companyIds?: string[];
  /** Whether the key may read customers and enrollments (default true). */
  canReadCustomers?: boolean;
  /** Whether the key may manage webhooks (default true). */
  canManageWebhooks?: boolean;
}

export interface PushPressContext {
  company: PushPressCompany;
  webhooks: WebhookRegistry;
  traps: Traps;
  apiKeys: PushPressApiKey[];
  calls: DailyQuota;
  rateLimit: PerSecondLimit | undefined;
  controlKey: string;
  now: () => number;
  customerListing: FilterCache<Customer>;
  enrollmentListing: FilterCache<Enrollment>;
}
