import { Socket } from 'node:net'
import type { Inbox } from './inbox.ts'

/** The part of an accepted socket's native handle this module relies on. */
interface StreamHandle {
  readStart(): number
  useUserBuffer(buf: Uint8Array): void
}

/**
 * Feeds what an accepted socket receives into `inbox`, and returns the socket to use from then on.
 *
 * Node reads a server's sockets into a fresh 64 KiB buffer per read. At a gigabyte a second that is
 * sixteen thousand buffers a second whose memory only a full garbage collection gives back (V8
 * counts them as external memory), and each is copied once more into the request it belongs to.
 * Node's `onread` option reads into buffers the caller chooses, but `net.Server` offers it only to
 * sockets that connect out. So when the accepted socket (created paused: `pauseOnConnect`) has the
 * native stream handle Node 20 gives it, the handle moves into a new `net.Socket` constructed with
 * `onread`, and the kernel writes each payload where `inbox` wants it. Anywhere else (another
 * runtime, a future Node without `_handle`) the socket's chunks are copied in, which is slower and
 * otherwise the same. Such a copying socket can be `detach`ed from the inbox (STARTTLS).
 */
export function receiveInto(accepted: Socket, inbox: Inbox, inPlace = true): { sock: Socket; inPlace: boolean; detach?: () => void } {
  const holder = accepted as unknown as { _handle: Partial<StreamHandle> | null }
  const handle = holder._handle
  if (inPlace && handle && typeof handle.useUserBuffer === 'function' && typeof handle.readStart === 'function' && !accepted.readableFlowing) {
    holder._handle = null // the old Socket object lets go of it and closes without touching it
    accepted.destroy()
    const spare = Buffer.alloc(64)
    let sock: Socket | undefined // the constructor already asks for the first buffer
    sock = new Socket({
      handle,
      readable: true,
      writable: true,
      onread: {
        // Runs inside Node's read callback: an exception here would take the process down.
        buffer: () => guard(() => sock, () => inbox.next(), spare),
        callback: (n: number) => void guard(() => sock, () => inbox.received(n), undefined),
      },
    } as ConstructorParameters<typeof Socket>[0])
    return { sock, inPlace: true }
  }
  const feed = (chunk: Buffer) => guard(() => accepted, () => inbox.push(chunk), undefined)
  accepted.on('data', feed)
  accepted.resume()
  // STARTTLS: the socket's bytes go to the TLS layer from then on
  return { sock: accepted, inPlace: false, detach: () => void accepted.off('data', feed).pause() }
}

/** Runs `f`; on a throw, destroys the socket with the error and returns `fallback`. */
function guard<T>(sock: () => Socket | undefined, f: () => T, fallback: T): T {
  try {
    return f()
  } catch (e) {
    queueMicrotask(() => sock()?.destroy(e as Error))
    return fallback
  }
}
