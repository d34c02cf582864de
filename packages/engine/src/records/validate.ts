import { EngineError, fail } from '../errors.ts'
import type { Profile } from './types.ts'

const NAME_CHARS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Record names: 1..profile.nameLen characters of [A-Za-z0-9_.-], not starting with '.' or '-'. */
export function checkName(name: unknown, profile: Profile): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > profile.nameLen || !NAME_CHARS.test(name)) {
    throw new EngineError('VM_INVALID_NAME', `invalid record name ${JSON.stringify(name)} (1-${profile.nameLen} characters of A-Z a-z 0-9 _ . -)`, { details: { maxLength: profile.nameLen } })
  }
  return name
}

/** Comments: at most 40 characters, no newline. */
export function checkComment(comment: unknown): string {
  if (typeof comment !== 'string' || comment.length > 40 || /[\r\n]/.test(comment)) {
    fail('VM_INVALID_PARAM', 'a comment is at most 40 characters without a newline')
  }
  return comment
}

/** Utility fields (putil/tutil) and utility states: at most 14 characters, no newline. */
export function checkUtil(value: unknown, what = 'utility field'): string {
  if (typeof value !== 'string' || value.length > 14 || /[\r\n]/.test(value)) {
    fail('VM_INVALID_PARAM', `${what} is at most 14 characters`)
  }
  return value
}

/** Sector counts and offsets: non-negative safe integers (positive when `positive`). */
export function checkSectors(value: unknown, what: string, positive = false): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || (positive && value === 0)) {
    fail('VM_INVALID_PARAM', `${what} must be a ${positive ? 'positive' : 'non-negative'} whole number of sectors`)
  }
  return value
}

export function checkBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail('VM_INVALID_PARAM', `${what} must be true or false`)
  return value
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail('VM_INVALID_PARAM', `${what} must be one of ${allowed.join(', ')}`)
  }
  return value as T
}
