/**
 * Lines wrangler prints on every start when the machine cannot reach Cloudflare: it fetches the
 * `Request.cf` placeholder from workers.cloudflare.com, warns, and prints the DNS error's stack, twice.
 * All of it is expected offline and says nothing about the product, so `npm start` leaves it out.
 * Only that host's lookup failure is dropped: any other error still shows.
 */
export function offlineNoiseFilter(): (line: string) => boolean {
  let inDroppedStack = false;
  return (line) => {
    if (/Unable to fetch the `Request\.cf` object/.test(line)) {
      inDroppedStack = false;
      return true;
    }
    if (/getaddrinfo (ENOTFOUND|EAI_AGAIN) workers\.cloudflare\.com/.test(line)) {
      inDroppedStack = true;
      return true;
    }
    if (inDroppedStack && /^\s+at /.test(line)) return true;
    inDroppedStack = false;
    return false;
  };
}
