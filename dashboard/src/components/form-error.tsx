/** A field's error message, and the attributes that tie its input to it. */
import { ApiError } from "../api";

/** The message, announced when it appears; `id` is what the input's aria-describedby names. */
export function FieldError({ id, error }: { id?: string; error: string | null }) {
  if (!error) return null;
  return (
    <p id={id} class="field-error" role="alert">
      {error}
    </p>
  );
}

/** The input's ARIA attributes while `error` is shown by the FieldError with this `id`. */
export const invalidIf = (error: string | null, id: string) =>
  error ? { "aria-invalid": true, "aria-describedby": id } : { "aria-invalid": undefined, "aria-describedby": undefined };

// A path parameter's issue comes as "/name/" (the parameter, then the empty path inside it).
const pointer = (path: string) => (path.length > 1 ? path.replace(/\/$/, "") : path);

/** The messages of an API error's field issues at `path` (a JSON pointer), joined; null if none. */
export function issueAt(error: unknown, path: string): string | null {
  const issues = error instanceof ApiError ? error.issues.filter((i) => pointer(i.path) === path) : [];
  return issues.length > 0 ? issues.map((i) => i.message).join("; ") : null;
}

/** The API error's issues at none of `paths`, for a list below the form. */
export function otherIssues(error: unknown, paths: (path: string) => boolean): ApiError["issues"] {
  return error instanceof ApiError ? error.issues.filter((i) => !paths(pointer(i.path))) : [];
}
