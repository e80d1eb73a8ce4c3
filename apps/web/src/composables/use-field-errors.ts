import { computed, type Ref } from "vue";
import { TRPCClientError } from "@trpc/client";

type Issue = { path: string; message: string };

/**
 * The server names each invalid field (zod issues in the error's data); this maps them to the form's
 * field names, dropping a prefix such as "patch." or "locations.", for messages next to the inputs.
 */
export function fieldErrorsOf(error: unknown, prefix = ""): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const issues = (error.data as { issues?: Issue[] } | undefined)?.issues ?? [];
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const path = prefix && issue.path.startsWith(prefix) ? issue.path.slice(prefix.length) : issue.path;
    errors[path] ??= issue.message;
  }
  return errors;
}

/** An error that is not about one field (a refused edit, a network failure), for a message above the form. */
export function formErrorOf(error: unknown): string | null {
  if (!error) return null;
  if (Object.keys(fieldErrorsOf(error)).length > 0) return null;
  return error instanceof Error ? error.message : "Something went wrong";
}

export function useFieldErrors(error: Ref<unknown>, prefix = "") {
  const fields = computed(() => fieldErrorsOf(error.value, prefix));
  const form = computed(() => formErrorOf(error.value));
  return { fields, form };
}
