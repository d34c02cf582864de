import { useApp } from './appStore.ts'

/** Why nothing can be changed while the stream is down (the page shows its last known state). */
export const NOT_LIVE = 'the server cannot be reached'

/**
 * Why the signed-in user cannot do what changes the server now (undefined when they can): a
 * viewer never can, and nobody while the server cannot be reached. `viewerWords` says it for
 * this control ("viewers cannot acknowledge alerts").
 */
export function useWhyNot(viewerWords = 'viewers cannot change anything'): string | undefined {
  const admin = useApp((s) => s.server.user?.role === 'admin')
  const live = useApp((s) => s.server.connection === 'live')
  return !live ? NOT_LIVE : !admin ? viewerWords : undefined
}
