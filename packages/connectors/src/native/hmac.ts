/** HMAC-SHA256 with WebCrypto (the Worker has no node:crypto): signing and constant-time verification. */

const encoder = new TextEncoder();

function key(secret: string, usages: Array<"sign" | "verify">): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, usages);
}

export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await key(secret, ["sign"]), encoder.encode(message)));
}

/** `crypto.subtle.verify` compares in constant time. The message is text (UTF-8) or the bytes as received. */
export async function hmacSha256Matches(
  secret: string,
  message: string | Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 32) return false;
  const bytes = typeof message === "string" ? encoder.encode(message) : message;
  return crypto.subtle.verify("HMAC", await key(secret, ["verify"]), signature as BufferSource, bytes as BufferSource);
}

export function fromBase64(value: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return null;
  const binary = atob(value);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export function fromHex(value: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) return null;
  const bytes = new Uint8Array(value.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(value.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
