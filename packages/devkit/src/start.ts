import { startStack, repoRoot } from "./stack";
import { stackOptionsFromEnv } from "./config";
import { launchedAtFromEnv, startupTime } from "./startup-time";
import { HARBOUR } from "./seed";

const options = stackOptionsFromEnv(repoRoot);
const stopping = new AbortController();
const stop = (code: number) => {
  if (stopping.signal.aborted) return;
  console.log("\nstopping…");
  process.exitCode = code;
  stopping.abort();
  // Children get a moment to exit; the stack's close() waits for each of them.
  setTimeout(() => process.exit(code), 6000).unref();
};
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

const started = Date.now();
const stack = await startStack({ ...options, signal: stopping.signal }).catch((error: unknown) => {
  console.error(`\n✖ could not start: ${error instanceof Error ? error.message : String(error)}`);
  stop(1);
  return undefined;
});
if (stack) printWelcome(stack);

function printWelcome(stack: NonNullable<Awaited<ReturnType<typeof startStack>>>) {
  const partner = stack.integrations.find((i) => i.system === "partner-api");
  const mindbody = stack.integrations.find((i) => i.system === "mindbody");
  const pushpress = stack.integrations.find((i) => i.system === "pushpress");
  const glofox = stack.integrations.find((i) => i.system === "glofox");
  const abcIgnite = stack.integrations.find((i) => i.system === "abc-ignite");
  console.log(`
  User Access Sync is running (${startupTime({ launchedAt: launchedAtFromEnv(process.env.UAS_LAUNCHED_AT), stackStartedAt: started, readyAt: Date.now() })})

  Admin app      ${stack.webUrl}
  API (Worker)   ${stack.apiUrl}      tRPC /trpc · webhooks /webhooks · cron /__scheduled
  Demo partner   ${partner?.baseUrl ?? "-"}
  Mindbody sim   ${mindbody?.baseUrl ?? "-"}      site ${mindbody?.siteId ?? "-"} · control ${stack.simulators?.mindbody.url ?? "-"}/control
  PushPress sim  ${pushpress?.baseUrl ?? "-"}      company ${pushpress?.companyId ?? "-"}
  Glofox sim     ${glofox?.baseUrl ?? "-"}      branch ${glofox?.branchId ?? "-"}
  ABC Ignite sim ${abcIgnite?.baseUrl ?? "-"}      club ${abcIgnite?.clubNumber ?? "-"} (polled every few minutes)
  Mailbox        ${stack.mailbox?.url ?? "-"}      emails the Worker sends (Mailbox page in the admin app)
  Databases      catalog ${options.dataDir}/dev.db, one per organisation in ${options.dataDir}/orgs/ (libSQL HTTP on port ${options.ports.db})

  Sign in as     ${stack.admin.email}
  Password       ${stack.admin.password}
  Second organisation (its own database): ${HARBOUR.admin.email} / ${HARBOUR.admin.password}

  Local clients: ${options.dataDir}/dev.json   ·   Ctrl-C stops everything.
`);
}
