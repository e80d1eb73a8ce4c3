import { errorSummary } from "./log";

/** Typed failures of use-cases; mapped to tRPC/HTTP codes in one place (trpc/init.ts, app.ts). */
export class AppError extends Error {
  constructor(
    readonly kind: "not_found" | "conflict" | "bad_request" | "unauthorized",
    message: string,
    /** A bad_request about particular fields: reported like a schema failure, each issue naming its field. */
    readonly issues?: Array<{ path: Array<string | number>; message: string }>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const conflict = (message: string) => new AppError("conflict", message);
export const badRequest = (message: string) => new AppError("bad_request", message);
export const invalidField = (path: Array<string | number>, message: string) =>
  new AppError("bad_request", message, [{ path, message }]);

/**
 * An unexpected failure, as a client sees it: a generic message and an id, never the error's own message
 * (a database error's carries the query text and its values). The log line has the same id and the
 * error's summary, so support can find one from the other. tRPC's errorFormatter and Hono's onError call
 * this; nothing else answers an internal error.
 */
export function internalError(error: unknown, where: string): { errorId: string; message: string } {
  const errorId = `err_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  console.error(`internal error ${errorId} at ${where}:`, errorSummary(error));
  return { errorId, message: `Something went wrong (error id ${errorId})` };
}
