import { createStore } from 'zustand/vanilla'
import { useStore } from 'zustand'
import type { ServerMessage } from '@plexa/protocol'
import type { Action } from '../views/actions.ts'
import type { ActionMessage } from '../views/taskStatus.ts'
import { type Connection, type ServerState, applyServerMessages, initialServerState, withConnection } from './applyServerMessage.ts'

/** A message applied; a return to live after a loss is noted (withConnection). */
function applyAll(s: ServerState, ms: ServerMessage[]): ServerState {
  const next = applyServerMessages(s, ms)
  return next.connection === 'live' && s.staleSince !== undefined ? withConnection({ ...next, connection: s.connection }, 'live', Date.now()) : next
}

/** What is selected: a record of a group, by kind and name. */
export interface Selection {
  dg: string
  kind: 'dg' | 'dm' | 'sd' | 'pl' | 'v'
  name: string
}

export interface AppState {
  server: ServerState
  selection: Selection | undefined
  dark: boolean
  /** The main view; kept across a return to the login form, so the page comes back where it was. */
  view: 'overview' | 'volumes' | 'disks'
  /** The action waiting for its confirmation (one dialog at a time, opened from any view). */
  pending: Action | undefined
  /** The disk group whose split brain the administrator is choosing a side of (SplitBrainDialog, rule 408). */
  choosingSide: string | undefined
  /** What the last action came to (shown in the actions bar; a task it started is followed to its outcome). */
  actionMessage: ActionMessage | undefined
  receive(m: ServerMessage): void
  /** Applies several messages in one store update (one render). */
  receiveAll(ms: ServerMessage[]): void
  setConnection(c: Connection): void
  select(s: Selection | undefined): void
  confirm(a: Action | undefined): void
  chooseSide(dg: string | undefined): void
  setView(v: AppState['view']): void
  say(message: ActionMessage | undefined): void
  toggleDark(): void
  reset(): void
  /** The session was refused: the server state goes, where the administrator was stays. */
  refused(): void
}

export const appStore = createStore<AppState>()((set) => ({
  server: initialServerState(),
  selection: undefined,
  pending: undefined,
  choosingSide: undefined,
  actionMessage: undefined,
  view: 'volumes',
  dark: typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches,
  receive: (m) => set((s) => ({ server: applyAll(s.server, [m]) })),
  receiveAll: (ms) => set((s) => ({ server: applyAll(s.server, ms) })),
  setConnection: (connection) => set((s) => ({ server: withConnection(s.server, connection, Date.now()) })),
  select: (selection) => set({ selection }),
  confirm: (pending) => set({ pending }),
  chooseSide: (choosingSide) => set({ choosingSide }),
  setView: (view) => set({ view }),
  say: (actionMessage) => set({ actionMessage }),
  toggleDark: () => set((s) => ({ dark: !s.dark })),
  reset: () => set({ server: initialServerState(), selection: undefined, pending: undefined, choosingSide: undefined, actionMessage: undefined, view: 'volumes' }),
  refused: () => set((s) => ({ server: { ...initialServerState(), connection: 'offline' }, pending: undefined, choosingSide: undefined, selection: s.selection, view: s.view })),
}))

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector)
}
