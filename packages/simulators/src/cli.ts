/**
 * Starts one simulator from the command line, e.g.
 *   tsx src/cli.ts mindbody --port 7361 --control-key K --api-key K [--count 300] [--state-file .data/mindbody.json]
 *                  [--webhook-url http://127.0.0.1:8787/webhooks/integrations/int_x --webhook-secret S]
 * `--api-key` is Mindbody's / PushPress's key, Glofox's `x-api-key` (with --api-token) and ABC's app_id (with --app-key).
 */
import { parseArgs } from "node:util";
import { startAbcIgniteSimulator } from "./abc-ignite/index";
import { startGlofoxSimulator } from "./glofox/index";
import { startMindbodySimulator } from "./mindbody/index";
import { startPushPressSimulator } from "./pushpress/index";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "control-key": { type: "string" },
    "api-key": { type: "string" },
    "api-token": { type: "string" },
    "app-key": { type: "string" },
    count: { type: "string" },
    seed: { type: "string" },
    "state-file": { type: "string" },
    "webhook-url": { type: "string" },
    "webhook-secret": { type: "string" },
  },
});
const system = positionals[0];
const controlKey = values["control-key"];
const apiKey = values["api-key"];
if (!system || !controlKey || !apiKey) {
  console.error(
    "usage: cli.ts <mindbody|pushpress|glofox|abc-ignite> --control-key K --api-key K [--port N] [--count N] [--seed N] [--state-file F] [--webhook-url U --webhook-secret S]",
  );
  process.exit(2);
}
const common = {
  port: Number(values.port),
  host: values.host,
  controlKey,
  ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  ...(values["state-file"] === undefined ? {} : { stateFile: values["state-file"] }),
};
const count = values.count === undefined ? undefined : Number(values.count);
const url = values["webhook-url"];
const secret = values["webhook-secret"];
if ((url === undefined) !== (secret === undefined)) {
  console.error("--webhook-url and --webhook-secret go together");
  process.exit(2);
}

async function start(): Promise<{ url: string; close(): Promise<void> }> {
  switch (system) {
    case "mindbody":
      return startMindbodySimulator({
        ...common,
        apiKeys: [apiKey as string],
        ...(count === undefined ? {} : { clientCount: count }),
        ...(url && secret ? { webhookTarget: { url, messageSignatureKey: secret } } : {}),
      });
    case "pushpress":
      return startPushPressSimulator({
        ...common,
        apiKeys: [apiKey as string],
        ...(count === undefined ? {} : { customerCount: count }),
        ...(url && secret ? { webhookTarget: { url, signingSecret: secret } } : {}),
      });
    case "glofox":
      return startGlofoxSimulator({
        ...common,
        credentials: [{ apiKey: apiKey as string, apiToken: values["api-token"] ?? (apiKey as string) }],
        ...(count === undefined ? {} : { memberCount: count }),
        ...(url && secret ? { webhookTarget: { url, secret } } : {}),
      });
    case "abc-ignite":
      return startAbcIgniteSimulator({
        ...common,
        credentials: [{ appId: apiKey as string, appKey: values["app-key"] ?? (apiKey as string) }],
        ...(count === undefined ? {} : { memberCount: count }),
      });
    default:
      console.error(`unknown system ${system}`);
      process.exit(2);
  }
}

const sim = await start();
console.log(`${system} simulator listening on ${sim.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
