/**
 * A new password typed twice, with its rule, for the pages that set one (account, reset). The form field is
 * `newPassword`, its repetition `confirmPassword`; `newPasswordOf` reads them.
 */
export function NewPasswordFields({ id, hint }: { id: string; hint?: string }) {
  return (
    <>
      <label htmlFor={`${id}-new`}>New password</label>
      <input
        id={`${id}-new`}
        name="newPassword"
        type="password"
        autoComplete="new-password"
        minLength={8}
        maxLength={256}
        aria-describedby={`${id}-hint`}
        required
      />
      <p id={`${id}-hint`} className="muted">
        At least 8 characters.{hint ? ` ${hint}` : ''}
      </p>
      <label htmlFor={`${id}-confirm`}>Repeat the new password</label>
      <input
        id={`${id}-confirm`}
        name="confirmPassword"
        type="password"
        autoComplete="new-password"
        minLength={8}
        maxLength={256}
        required
      />
    </>
  );
}

/** The new password of a form holding NewPasswordFields, or the message to show when the two differ. */
export function newPasswordOf(form: FormData): { password: string } | { error: string } {
  const password = String(form.get('newPassword'));
  return password === String(form.get('confirmPassword'))
    ? { password }
    : { error: 'The two new passwords differ: type the same new password twice.' };
}
