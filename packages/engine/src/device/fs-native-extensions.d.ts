// The part of fs-native-extensions (holepunchto, prebuilt N-API addon) the engine uses.
declare module 'fs-native-extensions' {
  /** An exclusive (or shared) OFD lock on [offset, offset+length) of `fd`, 0 = to the end; false when held elsewhere. */
  export function tryLock(fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean
  export function unlock(fd: number, offset?: number, length?: number): void
}
