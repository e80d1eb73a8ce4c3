import { parseArgs } from "node:util";
import { startMailbox } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "api-key": { type: "string" },
    "state-file": { type: "string" },
  },
});

const apiKey = values["api-key"] ?? process.env.MAILBOX_API_KEY;
if (!apiKey) {
  console.error("mailbox: an API key is required (--api-key or MAILBOX_API_KEY)");
  process.exit(2);
}
const mailbox = await startMailbox({
  apiKey,
  port: Number(values.port ?? process.env.MAILBOX_PORT ?? 8025),
  host: values.host ?? "127.0.0.1",
  stateFile: values["state-file"] ?? process.env.MAILBOX_STATE_FILE,
});
// The URL alone on stdout so scripts can read it.
console.log(mailbox.url);
console.error(`mailbox: ${mailbox.store.size} email(s) kept; POST ${mailbox.url}/emails, GET ${mailbox.url}/emails`);
const shutdown = () => void mailbox.close().finally(() => process.exit(0));
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
