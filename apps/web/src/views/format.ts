import { formatRate } from './units.ts'

/** Times for people (bytes and rates are in units.ts): durations in h/min/s, sortable dates. */

/** A throttle: 0 means none. */
export function throttleText(bytesPerSecond: number): string {
  return bytesPerSecond === 0 ? 'unlimited' : formatRate(bytesPerSecond)
}

/** 45 s, 3 min 20 s, 1 h 05 min, 2 d 3 h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`
}

const pad = (n: number) => String(n).padStart(2, '0')

/** 2026-12-01 10:05:03 in local time: sortable, unambiguous in every locale. */
export function dateTime(at: number): string {
  const d = new Date(at)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** "1 region", "512 regions". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** The first `n` names, then how many more there are: "a, b, c and 47 more" (a list an administrator reads, not 50,000 names). */
export function namesUpTo(names: readonly string[], n: number): string {
  if (names.length <= n) return names.join(', ')
  return `${names.slice(0, n).join(', ')} and ${names.length - n} more`
}

/** What a lab disk failure fails, in words: "reads and writes", "reads", "writes" (never the API's "both"). */
export function failsWords(mode: string): string {
  return mode === 'both' ? 'reads and writes' : mode === 'none' ? 'nothing' : `${mode}s`
}
