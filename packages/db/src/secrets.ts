/**
 * Secrets at rest (partner API keys, webhook secrets): AES-256-GCM through Web Crypto, so the Worker,
 * the devkit and the tests share one implementation. A sealed value names the key that sealed it:
 *
 *   sealed:v1:<key id>:<base64url 12-byte IV>:<base64url ciphertext and tag>
 *
 * The keyring comes from one setting, SECRETS_KEY = "<id>:<base64 32 bytes>[,<id>:<base64 32 bytes>…]":
 * the first key seals, every key opens (rotation: docs/adr/0013-hardening-infra.md). A value without the
 * prefix was written before encryption and is read as it is until the cron seals it.
 */
export const SEALED_PREFIX = "sealed:v1:";

export type SecretBox = {
  /** The id of the key new values are sealed with. */
  readonly currentKeyId: string;
  seal(plain: string): Promise<string>;
  /** The plain value; a value that is not sealed is returned as it is (written before encryption). */
  open(stored: string): Promise<string>;
  /** Whether a stored value is sealed with the current key (else the cron re-seals it). */
  isCurrent(stored: string): boolean;
};

export class SecretsKeyError extends Error {}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const normal = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(normal + "=".repeat((4 - (normal.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Checks the SECRETS_KEY format without importing anything; the message never contains key material. */
export function parseSecretsKeySpec(spec: string): Array<{ id: string; raw: Uint8Array<ArrayBuffer> }> {
  const entries = spec
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (entries.length === 0) throw new SecretsKeyError("SECRETS_KEY is empty");
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    if (!KEY_ID.test(id))
      throw new SecretsKeyError(
        `SECRETS_KEY entry ${index + 1} must be <id>:<base64 key> (id: letters, digits, - or _)`,
      );
    if (seen.has(id)) throw new SecretsKeyError(`SECRETS_KEY has the key id ${id} twice`);
    seen.add(id);
    let raw: Uint8Array<ArrayBuffer>;
    try {
      raw = fromBase64(entry.slice(colon + 1));
    } catch {
      throw new SecretsKeyError(`SECRETS_KEY key ${id} is not base64`);
    }
    if (raw.length !== 32) throw new SecretsKeyError(`SECRETS_KEY key ${id} must be 32 bytes (it is ${raw.length})`);
    return { id, raw };
  });
}

/** A new key for SECRETS_KEY: `<id>:<base64url of 32 random bytes>`. */
export function newSecretsKey(id: string): string {
  return `${id}:${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Checks the key ring now (a bad SECRETS_KEY fails here); the keys are imported on first use. */
export function createSecretBox(spec: string): SecretBox {
  const entries = parseSecretsKeySpec(spec);
  let imported: Promise<Map<string, AesKey>> | undefined;
  const keys = () =>
    (imported ??= Promise.all(
      entries.map(
        async ({ id, raw }) =>
          [id, await crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["encrypt", "decrypt"])] as const,
      ),
    ).then((pairs) => new Map(pairs)));
  const currentKeyId = entries[0]!.id;
  return {
    currentKeyId,
    async seal(plain) {
      const key = (await keys()).get(currentKeyId)!;
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plain));
      return `${SEALED_PREFIX}${currentKeyId}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
    },
    async open(stored) {
      if (!stored.startsWith(SEALED_PREFIX)) return stored;
      const [id, iv, data] = stored.slice(SEALED_PREFIX.length).split(":");
      const key = id === undefined ? undefined : (await keys()).get(id);
      if (!key || iv === undefined || data === undefined) {
        throw new SecretsKeyError(
          `A stored secret is sealed with key ${JSON.stringify(id)}, which SECRETS_KEY does not hold`,
        );
      }
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) }, key, fromBase64(data));
      return new TextDecoder().decode(plain);
    },
    isCurrent(stored) {
      return stored.startsWith(`${SEALED_PREFIX}${currentKeyId}:`);
    },
  };
}
