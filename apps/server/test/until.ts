/**
 * Polls `probe` until it gives something other than `undefined` or `false`, and resolves with it.
 * Fails with `what` after `ms`. Tests wait on state this way, never on a fixed sleep.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, o: { ms?: number; every?: number } = {}): Promise<T> {
  const end = Date.now() + (o.ms ?? 60_000)
  for (;;) {
    const v = await probe()
    if (v !== undefined && v !== false) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, o.every ?? 10))
  }
}
