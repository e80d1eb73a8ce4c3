import { z } from "zod";

/**
 * What text an admin may type. Control characters make no sense in a name, an id, a key, a URL or a
 * search, and NUL breaks the full-text search; they are refused (400 naming the field) rather than
 * stripped, so what is stored is what was typed. Every string of every tRPC input and every route's
 * query takes one of these two checks (test/fuzz.test.ts walks the router to hold it so).
 */
export const oneLine = z.regex(/^[^\p{Cc}\u2028\u2029]*$/u, "Remove the line breaks and other control characters");

/** Notes and messages: line breaks and tabs are text there; NUL and the other control characters are not. */
export const multiLine = z.regex(/^(?:[^\p{Cc}]|[\t\n\r])*$/u, "Remove the control characters (such as NUL)");

/** An id of ours or a partner's (facility, user, pass, external id…). */
export const id = (max = 64) => z.string().min(1).max(max).check(oneLine);

/** A search box. */
export const search = (max: number, tooLong?: string) => z.string().max(max, tooLong).check(oneLine);
