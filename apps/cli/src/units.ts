import { CliError, EXIT } from './client.ts'

const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** A volume size: a number of sectors, or bytes with a k/m/g/t suffix (vxassist style). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([sKkMmGgTt]?)$/.exec(s.trim())
  if (!m) throw new CliError(EXIT.USAGE, 'VM_INVALID_PARAM', `bad size ${JSON.stringify(s)} (sectors, or a number with k, m, g or t)`)
  const unit = m[2]!.toLowerCase()
  if (unit === '' || unit === 's') {
    if (!/^\d+$/.test(m[1]!)) throw new CliError(EXIT.USAGE, 'VM_INVALID_PARAM', `a sector count must be a whole number: ${s}`)
    return Number(m[1])
  }
  return Math.ceil((Number(m[1]) * MULT[unit]!) / 512)
}

/** A rate in bytes per second: a number, or with a k/m/g suffix (per second); 0 = unlimited. */
export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)(?:\/s)?$/.exec(s.trim())
  if (!m) throw new CliError(EXIT.USAGE, 'VM_INVALID_PARAM', `bad rate ${JSON.stringify(s)} (bytes per second, or with k, m or g)`)
  return Math.round(Number(m[1]) * MULT[m[2]!.toLowerCase()]!)
}

export function parseCount(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new CliError(EXIT.USAGE, 'VM_INVALID_PARAM', `${what} must be a whole number, not ${JSON.stringify(s)}`)
  return Number(s)
}

export function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024
    i++
  }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`
}
