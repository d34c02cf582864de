import { PROTOCOL_VERSION, type ServerMessage, type WireServerMessage, unpackServerMessage } from '@plexa/protocol'
import { appStore } from '../store/appStore.ts'
import { api } from './api.ts'

/** Marks already made (a flag, not a look-up of the page's marks at every message). */
const marked = new Set<string>()

/** A performance mark of the first snapshot's way in, made once (read by the rendering benchmark). */
function once(name: string) {
  if (marked.has(name)) return
  marked.add(name)
  performance.mark(name)
}

/**
 * The live stream, fed into the store outside React. Reconnects with the last sequence number it
 * applied, so the server replays exactly what was missed (or sends a fresh snapshot).
 */
export function connect(): () => void {
  let ws: WebSocket | undefined
  let closed = false
  let retry = 250
  let queue: ServerMessage[] = []
  let scheduled = false
  // the stream is closed on purpose for a fresh snapshot: no loss of the server (rule 410)
  let refreshing = false
  const flush = () => {
    scheduled = false
    const batch = queue
    queue = []
    appStore.getState().receiveAll(batch)
    once('plexa-applied')
    if (appStore.getState().server.needsSnapshot && !refreshing) {
      // reconnect without lastSeq: a fresh snapshot
      refreshing = true
      ws?.close()
    }
  }
  const open = () => {
    const s = appStore.getState()
    const last = s.server.seq > 0 && !s.server.needsSnapshot ? `&lastSeq=${s.server.seq}` : ''
    const proto = location.protocol === 'https:' ? 'wss' : 'ws'
    // the snapshot's configurations come in their column form: a tenth of the bytes, parsed faster
    const sock = new WebSocket(`${proto}://${location.host}/ws?protocol=${PROTOCOL_VERSION}&snapshot=columns${last}`)
    ws = sock
    let opened = false
    sock.onopen = () => {
      opened = true
      retry = 250
    }
    sock.onmessage = (m) => {
      // performance marks of the first snapshot's way in (read by the rendering benchmark)
      once('plexa-first-message')
      // messages are applied once per frame, however many arrive: one render, not hundreds
      queue.push(unpackServerMessage(JSON.parse(String(m.data)) as WireServerMessage))
      once('plexa-parsed')
      if (!scheduled) {
        scheduled = true
        requestAnimationFrame(flush)
      }
    }
    sock.onclose = () => {
      if (closed) return
      // closed for a fresh snapshot (a group imported, a gap in the events): the server is there,
      // the page is not stale and says nothing was lost; a refresh that fails is a loss as any
      if (refreshing && opened) {
        refreshing = false
        open()
        return
      }
      refreshing = false
      appStore.getState().setConnection('reconnecting')
      // a stream refused before it opened may be a session the server no longer knows (it
      // restarted, the session expired): asking says so, and a 401 takes the page to its login
      if (!opened) api('GET /api/session').catch(() => {})
      setTimeout(() => !closed && open(), retry)
      retry = Math.min(retry * 2, 5000)
    }
  }
  open()
  return () => {
    closed = true
    ws?.close()
    appStore.getState().setConnection('offline')
  }
}
