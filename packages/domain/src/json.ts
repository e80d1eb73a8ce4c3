/** JSON text as a value, or `undefined` when it is not JSON (JSON itself never yields `undefined`). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
