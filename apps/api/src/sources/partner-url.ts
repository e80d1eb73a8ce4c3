import { ConnectorError } from "@uas/connectors";
import ipaddr from "ipaddr.js";

/**
 * Where the Worker may send a partner's API key (ADR 0012). Production: https to a public host only.
 * Development and tests also reach the demo partner and simulators on this machine (loopback, http too).
 */
export type PartnerUrlPolicy = { allowLoopback: boolean };

export const PRODUCTION_URL_POLICY: PartnerUrlPolicy = { allowLoopback: false };

/**
 * Suffixes of names that only resolve inside a private network (RFC 6761/6762/8375 and common practice).
 * The Worker cannot resolve names itself (no DNS API on Workers), so names are judged by their form.
 */
const PRIVATE_NAME_SUFFIXES = [
  "localhost",
  "local",
  "localdomain",
  "internal",
  "intranet",
  "lan",
  "home",
  "corp",
  "private",
  "home.arpa",
];

/** A literal IP address in the URL's host (the URL parser has already normalised `0x7f.1`, `2130706433`, …). */
function literalAddress(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (bare.includes(":") && ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address it carries. */
function unwrap(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/**
 * Only ordinary public unicast: everything ipaddr.js names (private, loopback, link-local, CGNAT 100.64/10,
 * 0.0.0.0/8, unique-local fc00::/7, NAT64, 6to4, Teredo, documentation, multicast, …) is refused, and IPv6
 * outside the global unicast block 2000::/3 as well.
 */
function isPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const ip = unwrap(address);
  if (ip.range() !== "unicast") return false;
  return ip.kind() === "ipv4" || (ip as ipaddr.IPv6).match(ipaddr.IPv6.parse("2000::"), 3);
}

function isLoopback(hostname: string, address: ipaddr.IPv4 | ipaddr.IPv6 | null): boolean {
  if (address) return unwrap(address).range() === "loopback";
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

/** Why the URL may not receive a partner key, or null when it may. Messages are for the Base URL field. */
export function partnerUrlProblem(raw: string, policy: PartnerUrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Enter the partner's URL, starting with https://";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "Enter the partner's URL, starting with https://";
  if (url.username || url.password)
    return "Remove the user name and password from the URL: the API key is sent on its own";
  const hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  const address = literalAddress(hostname);
  if (policy.allowLoopback && isLoopback(hostname, address)) return null;
  if (url.protocol !== "https:") return "Use an https:// URL: the API key must not travel unencrypted";
  if (address)
    return isPublic(address)
      ? null
      : "Use the partner's public address: private, loopback and link-local addresses are refused";
  if (!hostname.includes(".")) return "Use the partner's full public host name (such as api.partner.com)";
  if (PRIVATE_NAME_SUFFIXES.some((suffix) => hostname === suffix || hostname.endsWith(`.${suffix}`))) {
    return "Use the partner's public host name: names of a private network are refused";
  }
  return null;
}

/**
 * The fetch a connector gets in the Worker: every request's URL is checked against the policy first (a
 * stored URL may predate the rule), so a key never goes to a refused address. A refusal is a
 * `ConnectorError` the connector does not retry.
 */
export function policedFetch(policy: PartnerUrlPolicy, base: typeof fetch = fetch): typeof fetch {
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const refused = partnerUrlProblem(url, policy);
    if (refused) return Promise.reject(new ConnectorError("unreachable", `the source's URL is refused: ${refused}`));
    return base(input, init);
  }) as typeof fetch;
}
