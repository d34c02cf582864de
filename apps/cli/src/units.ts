import { usageError } from './client.ts'

const MULT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }

/** A volume size: a number of sectors, or bytes with a k/m/g/t suffix (vxassist style). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([sKkMmGgTt]?)$/.exec(s.trim())
  if (!m) throw usageError(`bad size ${JSON.stringify(s)} (sectors, or a number with k, m, g or t)`)
  const unit = m[2]!.toLowerCase()
  if (unit === '' || unit === 's') {
    if (!/^\d+$/.test(m[1]!)) throw usageError(`a sector count must be a whole number: ${s}`)
    if (Number(m[1]) === 0) throw usageError(`a size must be more than 0: ${s}`)
    return Number(m[1])
  }
  const sectors = Math.ceil((Number(m[1]) * MULT[unit]!) / 512)
  if (sectors === 0) throw usageError(`a size must be more than 0: ${s}`)
  return sectors
}

/** A rate in bytes per second: a number, or with a k/m/g suffix (per second); 0 = unlimited. */
export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)(?:\/s)?$/.exec(s.trim())
  if (!m) throw usageError(`bad rate ${JSON.stringify(s)} (bytes per second, or with k, m or g)`)
  return Math.round(Number(m[1]) * MULT[m[2]!.toLowerCase()]!)
}

export function parseCount(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw usageError(`${what} must be a whole number, not ${JSON.stringify(s)}`)
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

/** A duration in seconds as people read it: 45 s, 2 min 05 s, 1 h 02 min; ? when unknown. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?'
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
}
