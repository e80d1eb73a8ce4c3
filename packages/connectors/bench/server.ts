/**
 * One system for bench:connectors, in its own process (as the real system is on its own machine):
 * `tsx bench/server.ts <partner|mindbody|pushpress|glofox|abc-ignite> <people>` prints one JSON line with its URLs, then serves
 * until SIGTERM.
 */
import { startDemoPartner } from "@uas/demo-partner";
import { startMindbodySimulator } from "@uas/simulators/mindbody";
import { startPushPressSimulator } from "@uas/simulators/pushpress";
import { startGlofoxSimulator } from "@uas/simulators/glofox";
import { startAbcIgniteSimulator } from "@uas/simulators/abc-ignite";

export const BENCH_KEYS = {
  partner: "bench-partner-key",
  mindbody: "bench-mb-key",
  pushpress: "bench-pp-key",
  glofox: { apiKey: "bench-gf-key", apiToken: "bench-gf-token" },
  abcIgnite: { appId: "bench-abc-app", appKey: "bench-abc-key" },
};
/** The bench's ABC club keeps its clock in this zone (deltas are asked for on it). */
export const BENCH_CLUB_TIME_ZONE = "America/Chicago";
export const BENCH_CONTROL_KEY = "bench-control";

export type ServerInfo = {
  url: string;
  apiBaseUrl: string;
  siteId?: number;
  companyId?: string;
  branchId?: string;
  clubNumber?: string;
};

async function start(system: string, people: number): Promise<ServerInfo & { close(): Promise<void> }> {
  if (system === "partner") {
    const partner = await startDemoPartner({ apiKey: BENCH_KEYS.partner, memberCount: people });
    return { url: partner.url, apiBaseUrl: partner.url, close: () => partner.close() };
  }
  if (system === "mindbody") {
    const sim = await startMindbodySimulator({
      controlKey: BENCH_CONTROL_KEY,
      apiKeys: [BENCH_KEYS.mindbody],
      clientCount: people,
      dailyCallQuota: 1000,
    });
    return { url: sim.url, apiBaseUrl: sim.apiBaseUrl, siteId: sim.siteId, close: () => sim.close() };
  }
  if (system === "pushpress") {
    const sim = await startPushPressSimulator({
      controlKey: BENCH_CONTROL_KEY,
      apiKeys: [BENCH_KEYS.pushpress],
      customerCount: people,
    });
    return { url: sim.url, apiBaseUrl: sim.apiBaseUrl, companyId: sim.companyId, close: () => sim.close() };
  }
  if (system === "glofox") {
    const sim = await startGlofoxSimulator({
      controlKey: BENCH_CONTROL_KEY,
      credentials: [BENCH_KEYS.glofox],
      memberCount: people,
    });
    return { url: sim.url, apiBaseUrl: sim.apiBaseUrl, branchId: sim.branchId, close: () => sim.close() };
  }
  if (system === "abc-ignite") {
    const sim = await startAbcIgniteSimulator({
      controlKey: BENCH_CONTROL_KEY,
      credentials: [BENCH_KEYS.abcIgnite],
      memberCount: people,
      clubTimeZone: BENCH_CLUB_TIME_ZONE,
    });
    return { url: sim.url, apiBaseUrl: sim.apiBaseUrl, clubNumber: sim.clubNumber, close: () => sim.close() };
  }
  throw new Error(`unknown system ${system}`);
}

if (process.argv[1]?.endsWith("server.ts")) {
  const [system = "", people = "100000"] = process.argv.slice(2);
  const server = await start(system, Number(people));
  const { close, ...info } = server;
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.once("SIGTERM", () => void close().then(() => process.exit(0)));
}
