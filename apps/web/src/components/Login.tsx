import { useState } from 'react'
import { api } from '../net/api.ts'

/** Why the server sent the browser here from a one-click login link (`/?reason=CODE`, rule 168). */
const LINK_REFUSED: Record<string, string> = {
  VM_TOKEN_USED: 'This login link was already used. Log in with your password, or start the server again for a new link.',
  VM_TOKEN_EXPIRED: 'This login link has expired. Log in with your password, or start the server again for a new link.',
  VM_UNAUTHORIZED: 'This login link is not valid. Log in with your password.',
}

/**
 * The reason in the address, shown once: taken out of the address (a reload does not show it
 * again) and not shown by a later login form (after a logout).
 */
function linkRefusal(): string | undefined {
  const q = new URLSearchParams(window.location.search)
  const reason = q.get('reason')
  if (reason === null) return undefined
  q.delete('reason')
  window.history.replaceState(null, '', `${window.location.pathname}${q.size ? `?${q}` : ''}${window.location.hash}`)
  return LINK_REFUSED[reason] ?? LINK_REFUSED.VM_UNAUTHORIZED
}

export function Login({ onLogin }: { onLogin: () => void }) {
  const [user, setUser] = useState('admin')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | undefined>(linkRefusal)
  return (
    <main className="flex h-full items-center justify-center bg-slate-100 dark:bg-slate-900">
      <form
        className="w-80 space-y-3 rounded-lg bg-white p-6 shadow dark:bg-slate-800 dark:text-slate-100"
        onSubmit={async (e) => {
          e.preventDefault()
          try {
            await api('POST /api/session', {}, { user, password })
            onLogin()
          } catch (err) {
            setError((err as { code?: string }).code === 'VM_RATE_LIMITED' ? 'Too many attempts; wait a minute.' : 'Wrong user or password.')
          }
        }}
      >
        <h1 className="text-xl font-semibold">Plexa</h1>
        <label className="block text-sm">
          User
          <input aria-label="user" className="mt-1 w-full rounded border px-2 py-1 dark:bg-slate-700" value={user} onChange={(e) => setUser(e.target.value)} />
        </label>
        <label className="block text-sm">
          Password
          <input aria-label="password" type="password" className="mt-1 w-full rounded border px-2 py-1 dark:bg-slate-700" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p role="alert" data-testid="login-error" className="text-sm text-red-700 dark:text-red-300">{error}</p>}
        <button type="submit" className="w-full rounded bg-blue-700 px-3 py-1.5 text-white hover:bg-blue-800">Log in</button>
      </form>
    </main>
  )
}
