/** The contract's limit for one event: 256 KiB. */
export const MAX_BODY_BYTES = 256 * 1024;

export type BoundedBody = { ok: true; bytes: Uint8Array } | { ok: false };

/**
 * Reads at most `maxBytes` of a body. A declared Content-Length over the limit is refused before reading;
 * a body without one (or lying about it) is cut off as soon as it passes the limit, so nothing unbounded
 * is ever buffered.
 */
export async function readBoundedBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<BoundedBody> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) return { ok: false };
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  // The runtime holds a body to its declared length, so one within the limit is read in one call.
  if (declared !== null && /^\d+$/.test(declared))
    return { ok: true, bytes: new Uint8Array(await request.arrayBuffer()) };

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}
