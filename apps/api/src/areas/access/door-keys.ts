/**
 * Door API keys: `uasd_` and 32 random bytes in base64url. Only the SHA-256 is stored; the key is
 * answered once, when created or rotated.
 */
const PREFIX = "uasd_";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export async function hashDoorApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export async function newDoorApiKey(): Promise<{ key: string; hash: string; prefix: string }> {
  const key = PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
  return { key, hash: await hashDoorApiKey(key), prefix: key.slice(0, PREFIX.length + 6) };
}

/** Compares two hex digests in constant time (Workers' timingSafeEqual; equal lengths by construction). */
export function sameDigest(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  const subtle = crypto.subtle as SubtleCrypto & {
    timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean;
  };
  if (subtle.timingSafeEqual) return subtle.timingSafeEqual(left, right);
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}
