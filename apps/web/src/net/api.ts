import { createClient } from '@plexa/protocol'

/** Called when the server refuses the session (401): the page goes back to its login form. */
export const session: { onRefused: (() => void) | undefined } = { onRefused: undefined }

/**
 * The web's API calls: the typed client of @plexa/protocol (the CLI uses the same one) on the page's
 * own origin, with the session cookie. Failures are its ApiError (code and status; a network
 * failure is VM_UNREACHABLE, status 0).
 */
export const api = createClient({
  onError: (e, key) => {
    if (e.code === 'VM_UNAUTHORIZED' && key !== 'POST /api/session') session.onRefused?.()
  },
})
export { ApiError } from '@plexa/protocol'
