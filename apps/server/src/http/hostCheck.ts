import { hostname, networkInterfaces } from 'node:os'

/** The host name of a Host header, lower case, without its port or IPv6 brackets. */
export function hostOf(header: string | undefined): string | undefined {
  if (!header) return undefined
  const h = header.trim().toLowerCase()
  if (h.startsWith('[')) {
    const end = h.indexOf(']')
    return end > 0 ? h.slice(1, end) : undefined
  }
  const colon = h.indexOf(':')
  return colon >= 0 ? h.slice(0, colon) : h
}

/**
 * The names a request's Host header may carry (DNS rebinding defence): the address the server is
 * bound to, `localhost` and the loopback addresses, and the names the administrator lists. A server
 * bound to every address (0.0.0.0, ::) also answers to this machine's addresses and host name.
 */
export function allowedHosts(bindHost: string, listed: readonly string[] = []): Set<string> {
  const out = new Set(['localhost', '127.0.0.1', '::1', bindHost.toLowerCase(), ...listed.map((h) => h.toLowerCase())])
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    out.add(hostname().toLowerCase())
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address.toLowerCase())
  }
  return out
}
