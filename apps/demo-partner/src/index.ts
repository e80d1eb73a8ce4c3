import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Faults } from "./faults";
import {
  DEFAULT_CCTV_PEOPLE_COUNT,
  DEFAULT_LOCATIONS,
  DEFAULT_MEMBER_COUNT,
  DEFAULT_SEED,
  generateCctvPeople,
  generateMembers,
} from "./generate";
import { createRequestHandler } from "./server";
import { readStateFile, writeStateFile } from "./state-file";
import { createCctvStore, createMemberStore, type CctvStore, type MemberStore } from "./store";
import {
  WebhookPusher,
  cctvEvent,
  memberEvent,
  type PushOptions,
  type WebhookStatus,
  type WebhookTarget,
} from "./webhooks";

export * from "./types";
export * from "./generate";
export * from "./store";
export * from "./faults";
export { createRng, type Rng } from "./random";
export * from "./webhooks";
export { MAX_BURST } from "./control";
export { DEFAULT_LIMIT, MAX_LIMIT } from "./server";
export type { PartnerState } from "./state-file";

export interface DemoPartnerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  apiKey: string;
  memberCount?: number;
  seed?: number;
  /** Mapped partner location ids; the unmapped `loc-closed` is always added by the generator. */
  locations?: string[];
  cctvFacilityIds?: string[];
  cctvPeopleCount?: number;
  /** Keeps the data across restarts: loaded if present, else generated and written; rewritten after every mutation. */
  stateFile?: string;
  /** Don't keep the process alive for this server (a test harness that cannot close it). */
  unref?: boolean;
  faults?: Faults;
  /**
   * Push every member change (add / change / remove) to the product as a signed webhook: the
   * integration's webhook URL (`…/webhooks/integrations/{integrationId}`) and its secret (`whsec_…`).
   */
  webhookTarget?: WebhookTarget;
  /** The same for CCTV people, per facility id: `…/webhooks/cctv/{facilityId}` and that source's secret. */
  cctvWebhookTargets?: Record<string, WebhookTarget>;
  /** Retry and concurrency settings of the pushers. */
  webhookPush?: PushOptions;
}

export interface DemoPartner {
  /** Integration base URL, e.g. http://127.0.0.1:4010 */
  url: string;
  /** CCTV base URL: `${url}/cctv` */
  cctvUrl: string;
  port: number;
  store: MemberStore;
  /** CCTV people per facility id. */
  cctv: Map<string, CctvStore>;
  /** Live fault settings; change them at any time. */
  faults: Faults;
  /** What the webhook pushers did (null / empty where no target is configured). */
  webhooks(): WebhookStatus;
  /** Resolves once every change made so far has been pushed (or given up on). */
  webhooksIdle(): Promise<void>;
  /** Stops the server; pushes still waiting to retry are given up. */
  close(): Promise<void>;
}

export async function startDemoPartner(options: DemoPartnerOptions): Promise<DemoPartner> {
  const {
    port = 0,
    host = "127.0.0.1",
    apiKey,
    memberCount = DEFAULT_MEMBER_COUNT,
    seed = DEFAULT_SEED,
    locations = [...DEFAULT_LOCATIONS],
    cctvFacilityIds = [],
    cctvPeopleCount = DEFAULT_CCTV_PEOPLE_COUNT,
    stateFile,
  } = options;
  if (!apiKey) throw new Error("startDemoPartner: apiKey is required");

  const saved = stateFile === undefined ? undefined : readStateFile(stateFile);
  let needsWrite = stateFile !== undefined && saved === undefined;

  const store = createMemberStore(saved?.members ?? generateMembers({ seed, count: memberCount, locations }));
  // Facilities already in the state file stay served, so nothing saved is silently dropped.
  const cctv = new Map<string, CctvStore>(
    Object.entries(saved?.cctv ?? {}).map(([facilityId, people]) => [facilityId, createCctvStore(people)]),
  );
  for (const facilityId of cctvFacilityIds) {
    if (cctv.has(facilityId)) continue;
    cctv.set(facilityId, createCctvStore(generateCctvPeople({ facilityId, seed, count: cctvPeopleCount })));
    needsWrite = stateFile !== undefined;
  }

  if (stateFile !== undefined) {
    const persist = (): void =>
      writeStateFile(stateFile, {
        version: 1,
        members: store.list(),
        cctv: Object.fromEntries([...cctv].map(([facilityId, people]) => [facilityId, people.list()])),
      });
    store.onChange(persist);
    for (const people of cctv.values()) people.onChange(persist);
    if (needsWrite) persist();
  }

  const memberPusher = options.webhookTarget
    ? new WebhookPusher(options.webhookTarget, options.webhookPush)
    : undefined;
  if (memberPusher) store.onChange((change) => void memberPusher.push(memberEvent(change)));
  const cctvPushers = new Map<string, WebhookPusher>();
  for (const [facilityId, target] of Object.entries(options.cctvWebhookTargets ?? {})) {
    const people = cctv.get(facilityId);
    if (people === undefined)
      throw new Error(`startDemoPartner: no CCTV facility ${facilityId} for its webhook target`);
    const pusher = new WebhookPusher(target, options.webhookPush);
    people.onChange((change) => void pusher.push(cctvEvent(change)));
    cctvPushers.set(facilityId, pusher);
  }
  const webhookStatus = (): WebhookStatus => ({
    members: memberPusher?.stats ?? null,
    cctv: Object.fromEntries([...cctvPushers].map(([facilityId, pusher]) => [facilityId, pusher.stats])),
  });
  const pushers = [...(memberPusher ? [memberPusher] : []), ...cctvPushers.values()];

  const faults: Faults = structuredClone(options.faults ?? {});
  const server = createServer(createRequestHandler({ apiKey, members: store, cctv, faults, webhookStatus }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (options.unref) server.unref();
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${actualPort}`;
  // Idempotent: tests and signal handlers may both close.
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve, reject) => {
      for (const pusher of pushers) pusher.close();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }));

  return {
    url,
    cctvUrl: `${url}/cctv`,
    port: actualPort,
    store,
    cctv,
    faults,
    webhooks: webhookStatus,
    webhooksIdle: async () => {
      await Promise.all(pushers.map((pusher) => pusher.idle()));
    },
    close,
  };
}

function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
