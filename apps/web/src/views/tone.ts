import type { Tone } from './describeEvent.ts'

/**
 * Tone as words' colour and an icon, the same in every list (event log, alerts, task history):
 * colour-blind safe because the icon and the words carry it too; contrast checked in both themes.
 */
export const TONE: Record<Tone, { text: string; icon: string; label: string }> = {
  critical: { text: 'text-red-800 dark:text-red-300', icon: '✕', label: 'critical' },
  warning: { text: 'text-amber-800 dark:text-amber-300', icon: '⚠', label: 'warning' },
  ok: { text: 'text-emerald-800 dark:text-emerald-300', icon: '✓', label: 'ok' },
  info: { text: '', icon: '·', label: 'info' },
}
