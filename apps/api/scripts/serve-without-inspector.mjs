/**
 * `wrangler dev` through wrangler's own API, with the devtools inspector off: the same runtime
 * (workerd via Miniflare), bindings, queues and cron, for load benchmarks. Why: with the inspector on,
 * wrangler 4.86 enables the runtime's Network domain and forwards every inspector event (several per
 * outbound fetch) to its Node process, which appends each to a debug log file; under load that costs more
 * than the Worker itself, so a benchmark would measure the dev tool, not the product. `npm start` keeps
 * the CLI and its devtools. Options: a JSON object in UAS_SERVE_OPTIONS ({ port, persistTo, vars }).
 */
import { unstable_startWorker } from "wrangler";

const options = JSON.parse(process.env.UAS_SERVE_OPTIONS ?? "{}");
const worker = await unstable_startWorker({
  config: "wrangler.jsonc",
  // The development environment of wrangler.jsonc, as `npm start` selects it.
  env: "development",
  bindings: Object.fromEntries(
    Object.entries(options.vars ?? {}).map(([name, value]) => [name, { type: "plain_text", value: String(value) }]),
  ),
  dev: {
    inspector: false,
    server: { hostname: "127.0.0.1", port: options.port },
    persist: options.persistTo,
    testScheduled: true,
    watch: false,
    logLevel: "warn",
  },
});
await worker.ready;
console.log(`Ready on ${(await worker.url).href}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
