import { createStore } from 'zustand/vanilla'
import { useStore } from 'zustand'
import type { ServerMessage } from '@plexa/protocol'
import { type Connection, type ServerState, applyServerMessage, initialServerState } from './applyServerMessage.ts'

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
  receive(m: ServerMessage): void
  /** Applies several messages in one store update (one render). */
  receiveAll(ms: ServerMessage[]): void
  setConnection(c: Connection): void
  select(s: Selection | undefined): void
  toggleDark(): void
  reset(): void
}

export const appStore = createStore<AppState>()((set) => ({
  server: initialServerState(),
  selection: undefined,
  dark: typeof matchMedia !== 'undefined' && matchMedia('(prefers-color-scheme: dark)').matches,
  receive: (m) => set((s) => ({ server: applyServerMessage(s.server, m) })),
  receiveAll: (ms) => set((s) => ({ server: ms.reduce(applyServerMessage, s.server) })),
  setConnection: (connection) => set((s) => ({ server: { ...s.server, connection } })),
  select: (selection) => set({ selection }),
  toggleDark: () => set((s) => ({ dark: !s.dark })),
  reset: () => set({ server: initialServerState(), selection: undefined }),
}))

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector)
}
