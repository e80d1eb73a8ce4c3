import type { DailyQuota, PerSecondLimit } from "../shared/limits";
import type { Traps } from "../shared/traps";
import type { MindbodySite } from "./site";
import type { FilterCache } from "../shared/store";
import type { SiteClient } from "./types";
import type { SubscriptionRegistry } from "./webhooks";

export interface StaffUser {
  username: string;
  password: string;
  /** Whether the staff member's permission group may view client records. */
  canViewClients: boolean;
}

export interface MindbodyContext {
  site: MindbodySite;
  webhooks: SubscriptionRegistry;
  traps: Traps;
  apiKeys: ReadonlySet<string>;
  /** Sites that exist but have not activated this developer account (403 DeniedAccess). */
  otherSiteIds: ReadonlySet<number>;
  staff: readonly StaffUser[];
  tokens: Map<string, { staff: StaffUser; expiresAt: number }>;
  tokenTtlMs: number;
  quota: DailyQuota;
  /** `bill`: calls over the quota are answered and counted as over quota (live keys); `block`: 429 until midnight UTC (sandbox). */
  quotaMode: "bill" | "block";
  burst: PerSecondLimit | undefined;
  requireHttps: boolean;
  controlKey: string;
  now: () => number;
  listingCache: FilterCache<SiteClient>;
}
