/**
 * One system for bench:connectors, in its own process (as the real system is on its own machine):
 * `tsx bench/server.ts <partner|mindbody|pushpress> <people>` prints one JSON line with its URLs, then serves
 * until SIGTERM.
 */
import { startDemoPartner } from "@uas/demo-partner";
import { startMindbodySimulator } from "@uas/simulators/mindbody";
import { startPushPressSimulator } from "@uas/simulators/pushpress";

export const BENCH_KEYS = { partner: "bench-partner-key", mindbody: "bench-mb-key", pushpress: "bench-pp-key" };
export const BENCH_CONTROL_KEY = "bench-control";

export type ServerInfo = { url: string; apiBaseUrl: string; siteId?: number; companyId?: string };

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
  throw new Error(`unknown system ${system}`);
}

if (process.argv[1]?.endsWith("server.ts")) {
  const [system = "", people = "100000"] = process.argv.slice(2);
  const server = await start(system, Number(people));
  const { close, ...info } = server;
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.once("SIGTERM", () => void close().then(() => process.exit(0)));
}
