/** A field's error message, and the attributes that tie its input to it. */

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
