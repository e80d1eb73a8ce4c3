/**
 * `npm start`'s own output (issue 17, friction 10): what wrangler prints offline on every start is left
 * out, and the "running" line tells the install apart from the start. Checked on wrangler's real output.
 */
import { test, expect } from "@playwright/test";
import { offlineNoiseFilter } from "@uas/devkit/offline-noise";
import { startupTime } from "@uas/devkit/startup-time";

// As wrangler 4.86 printed it under `npm start` on a machine without internet (each block twice).
const WRANGLER_OFFLINE = `[wrangler:warn] Unable to fetch the \`Request.cf\` object! Falling back to a default placeholder...
Error: getaddrinfo ENOTFOUND workers.cloudflare.com
    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)
    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)
⎔ Starting local server...
[wrangler:warn] Unable to fetch the \`Request.cf\` object! Falling back to a default placeholder...
Error: getaddrinfo ENOTFOUND workers.cloudflare.com
    at GetAddrInfoReqWrap.onlookupall [as oncomplete] (node:dns:122:26)
    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17)
[wrangler:info] Ready on http://127.0.0.1:8787`;

test("wrangler's expected offline warnings and DNS stack traces are left out; everything else stays", () => {
  const drop = offlineNoiseFilter();
  const kept = WRANGLER_OFFLINE.split("\n").filter((line) => !drop(line));
  expect(kept).toEqual(["⎔ Starting local server...", "[wrangler:info] Ready on http://127.0.0.1:8787"]);

  // Another host's failure, or another error's stack, is not expected: it shows.
  const other = [
    "Error: getaddrinfo ENOTFOUND partner.example",
    "    at GetAddrInfoReqWrap.onlookupall (node:dns:122:26)",
  ];
  expect(other.filter((line) => !offlineNoiseFilter()(line))).toEqual(other);
});

test("the running line shows the install time apart from the start time", () => {
  expect(startupTime({ launchedAt: 1_000, stackStartedAt: 35_000, readyAt: 46_000 })).toBe(
    "ready in 11.0 s, after 34.0 s installing packages",
  );
  expect(startupTime({ launchedAt: null, stackStartedAt: 35_000, readyAt: 46_000 })).toBe("ready in 11.0 s");
});
