/** Typed failures of use-cases; mapped to tRPC/HTTP codes in one place (trpc/init.ts, app.ts). */
export class AppError extends Error {
  constructor(
    readonly kind: "not_found" | "forbidden" | "conflict" | "bad_request" | "unauthorized",
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "You do not have access to this") => new AppError("forbidden", message);
export const conflict = (message: string) => new AppError("conflict", message);
export const badRequest = (message: string) => new AppError("bad_request", message);
