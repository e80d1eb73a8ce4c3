import { parseArgs } from "node:util";
import { startDemoPartner } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "api-key": { type: "string" },
    "state-file": { type: "string" },
    "cctv-facility": { type: "string", multiple: true },
    members: { type: "string" },
    seed: { type: "string" },
    "webhook-url": { type: "string" },
    "webhook-secret": { type: "string" },
  },
});

const env = process.env;
const number = (raw: string | undefined, name: string): number | undefined => {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};
// Repeatable flag, and each value may also be a comma-separated list.
const facilities = (
  values["cctv-facility"] ?? (env.DEMO_PARTNER_CCTV_FACILITIES ? [env.DEMO_PARTNER_CCTV_FACILITIES] : [])
)
  .flatMap((value) => value.split(","))
  .map((value) => value.trim())
  .filter(Boolean);

const apiKey = values["api-key"] ?? env.DEMO_PARTNER_API_KEY;
if (!apiKey) {
  console.error("demo-partner: an API key is required (--api-key or DEMO_PARTNER_API_KEY)");
  process.exit(2);
}

const webhookUrl = values["webhook-url"] ?? env.DEMO_PARTNER_WEBHOOK_URL;
const webhookSecret = values["webhook-secret"] ?? env.DEMO_PARTNER_WEBHOOK_SECRET;
if (Boolean(webhookUrl) !== Boolean(webhookSecret)) {
  console.error("demo-partner: --webhook-url and --webhook-secret go together");
  process.exit(2);
}

const partner = await startDemoPartner({
  webhookTarget: webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined,
  apiKey,
  port: number(values.port ?? env.DEMO_PARTNER_PORT, "port") ?? 4010,
  host: values.host ?? env.DEMO_PARTNER_HOST ?? "127.0.0.1",
  stateFile: values["state-file"] ?? env.DEMO_PARTNER_STATE_FILE,
  cctvFacilityIds: facilities,
  memberCount: number(values.members ?? env.DEMO_PARTNER_MEMBERS, "members"),
  seed: number(values.seed ?? env.DEMO_PARTNER_SEED, "seed"),
});

// The URL alone on stdout so scripts can read it; details go to stderr.
console.log(partner.url);
console.error(
  `demo-partner: ${partner.store.size} members at ${partner.url}/members; ` +
    `CCTV at ${partner.cctvUrl}/facilities/{id}/people for [${[...partner.cctv.keys()].join(", ")}]; ` +
    (webhookUrl ? `member changes pushed to ${webhookUrl}` : "no webhook target (member changes are not pushed)"),
);

const shutdown = (): void => {
  partner.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
