import { open as openFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Locator, Page, TestInfo } from '@playwright/test'
import { Api, dialogViolations, expect, seriousViolations, setTheme, test } from './fixtures.ts'

/**
 * Rules 320-324: the everyday operations from the console, end to end against a real server: a
 * volume made with the Create volume form, then mirrored, logged, grown, shrunk, unlogged,
 * unmirrored and evacuated from the web, each checked through the API afterwards, each with a
 * failure that changes nothing. The spec works on its own disks and volume (opsdisk, opstiny,
 * opsvol) and removes them at the end, so the demo is as it was for the specs after it.
 */

test.describe.configure({ mode: 'serial' })

const MiB = 2048 // sectors
type Cfg = {
  tid: number
  volumes: Array<{ v_name: string; v_len: number; v_kstate: string }>
  plexes: Array<{ pl_name: string; pl_v_name: string; pl_state: string; pl_kstate: string }>
  subdisks: Array<{ sd_name: string; sd_pl_name: string; sd_dm_name: string; sd_is_log: boolean }>
  disks: Array<{ dm_name: string }>
}
const config = async (api: Api) => (await api.call('GET', '/api/dgs/demodg')).body.config as Cfg
const plexesOf = async (api: Api, v: string) => (await config(api)).plexes.filter((p) => p.pl_v_name === v)
const volume = async (api: Api, v: string) => (await config(api)).volumes.find((x) => x.v_name === v)
const tasksIdle = async (api: Api) => expect.poll(async () => (await api.call('GET', '/api/tasks')).body.tasks.length, { timeout: 30_000 }).toBe(0)

/** Opens an operation's dialog from the toolbar and waits for it. */
async function open(page: Page, label: string, target: string): Promise<Locator> {
  await page.getByRole('button', { name: `${label} ${target}`, exact: true }).click()
  const dialog = page.getByRole('dialog', { name: `confirm ${label}` })
  await expect(dialog).toBeVisible()
  return dialog
}

/** The dialog's dry run, once the server has answered it. */
async function dryRun(dialog: Locator, text: string | RegExp): Promise<void> {
  await expect(dialog.getByTestId('dry-run')).toContainText(text)
}

/** What the dialog shows of a value it refuses: the field's issue, or the server's dry run (its code); either way Confirm stays disabled. */
async function refused(dialog: Locator, where: 'field' | 'dry run', text: string | RegExp): Promise<void> {
  if (where === 'field') await expect(dialog.getByTestId('field-issue').filter({ hasText: text })).toBeVisible()
  else await dryRun(dialog, text)
  await expect(dialog.getByRole('button', { name: 'Confirm' })).toBeDisabled()
}

/** A dry run the server refuses for want of room on `disk`: its code is shown, Confirm stays disabled, and Cancel leaves the group as it was. */
async function refusedForSpace(page: Page, api: Api, label: string, target: string, disk: string): Promise<void> {
  const tid = (await config(api)).tid
  const dialog = await open(page, label, target)
  await dialog.getByRole('checkbox', { name: new RegExp(`^${disk} `) }).check()
  await refused(dialog, 'dry run', 'VM_NO_SPACE')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  expect((await config(api)).tid).toBe(tid)
}

/** Confirms, and waits for the dialog to go and the action's status to say what it came to. */
async function confirm(page: Page, dialog: Locator): Promise<void> {
  await expect(dialog.getByRole('button', { name: 'Confirm' })).toBeEnabled()
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(dialog).toBeHidden()
}

/**
 * Each dialog at 1024x768 light and 1920x1080 dark (the screenshots), axe-clean in both themes.
 * The dialog is modal, so the theme toggle behind it cannot be clicked: the theme is set on the
 * page's root as the toggle sets it (App.tsx), and put back after.
 */
async function dialogShots(page: Page, info: TestInfo, name: string): Promise<void> {
  const theme = (dark: boolean) => page.evaluate((d) => document.documentElement.classList.toggle('dark', d), dark)
  for (const [width, height, dark] of [[1024, 768, false], [1920, 1080, true]] as const) {
    await page.setViewportSize({ width, height })
    await theme(dark)
    await page.screenshot({ path: info.outputPath(`${name}-${width}-${dark ? 'dark' : 'light'}.png`) })
    expect(await dialogViolations(page), `${name} ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await theme(false)
  await page.setViewportSize({ width: 1280, height: 720 })
}

type HistoryTask = { id: number; taskId: string; kind: string; target: string; outcome: string }
const history = async (api: Api) => (await api.call('GET', '/api/tasks/history')).body.tasks as HistoryTask[]

/**
 * The task an operation started (of `kind`, on `target`, finished after `before`, the history ids
 * seen then): ended ok, and shown so in the task history.
 */
async function taskShown(page: Page, api: Api, before: number[], kind: string, target: string): Promise<void> {
  // the dialog closes as the request goes: the task may not have started yet, so wait for its end
  const mine = async () => (await history(api)).filter((t) => !before.includes(t.id) && t.kind === kind && t.target === target)
  await expect.poll(async () => (await mine()).map((t) => t.outcome), { timeout: 30_000 }).toEqual(['ok'])
  const t = (await mine())[0]!
  await page.getByRole('tab', { name: 'Task history' }).click()
  await expect(page.getByTestId(`finished-${t.taskId}`)).toHaveAttribute('data-outcome', 'ok')
  await expect(page.getByTestId(`finished-${t.taskId}`)).toContainText(`${kind} of ${target}`)
  await page.getByRole('tab', { name: 'Running tasks' }).click()
}

/** The ids of the task history now. */
const seen = async (api: Api) => (await history(api)).map((t) => t.id)

test.beforeAll(async ({ request }) => {
  const api = new Api(request)
  for (const [name, mib] of [['opsdisk', 256], ['opstiny', 16]] as const) expect((await api.call('POST', '/api/dgs/demodg/disks', { name, sizeBytes: mib << 20 })).status).toBe(200)
})

test.afterAll(async ({ request }) => {
  const api = new Api(request)
  await tasksIdle(api)
  if (await volume(api, 'opsvol')) {
    await api.call('POST', '/api/dgs/demodg/volumes/opsvol/stop')
    expect((await api.call('POST', '/api/dgs/demodg/records/opsvol/remove', { recursive: true })).status).toBe(200)
  }
  for (const d of ['opsdisk', 'opstiny']) expect((await api.call('POST', `/api/dgs/demodg/disks/${d}/remove`)).status).toBe(200)
})

test('rules 320, 322, 324: Create volume on a disk group checks its fields inline, shows the dry run, creates; a refused dry run changes nothing', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('dg', 'demodg')
  const button = page.getByRole('button', { name: 'Create volume demodg', exact: true })
  // keyboard: Enter opens it with the name field focused, Tab stays inside, Escape cancels, the focus comes back
  await button.focus()
  await page.keyboard.press('Enter')
  const dialog = page.getByRole('dialog', { name: 'confirm Create volume' })
  await expect(dialog).toBeVisible()
  const name = dialog.getByLabel('Name (at most 11 characters)')
  await expect(name).toBeFocused()
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press('Tab')
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true)
  }
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(button).toBeFocused()

  const tid = (await config(api)).tid
  await button.click()
  await expect(dialog.getByTestId('dry-run')).toContainText('the dry run runs once the fields are filled in')
  // the server's 11-character limit, checked as it is typed
  await name.fill('opsvolume123')
  await expect(dialog.getByTestId('field-issue').first()).toContainText('at most 11 characters')
  await expect(name).toHaveAttribute('aria-invalid', 'true')
  await name.fill('opsvol')
  const size = dialog.getByLabel(/^Size/)
  await size.fill('32q')
  await refused(dialog, 'field', '"32q" is not a size')
  // no space: 100 GiB is more than the group has; the server's code is shown and Confirm stays disabled
  await size.fill('100g')
  await refused(dialog, 'dry run', 'VM_NO_SPACE')
  await size.fill('32m')
  await expect(dialog.getByTestId('size-means')).toHaveText('= 32 MiB, 65,536 sectors')
  // the mirrored, striped layout asks for its mirrors, columns and log, each checked inline
  await dialog.getByLabel('Layout').selectOption('mirror-stripe')
  await dialog.getByLabel('Columns (ncol)').fill('99')
  await expect(dialog.getByTestId('field-issue')).toContainText('the number of columns is a whole number from 2 to 8')
  await dialog.getByLabel('Columns (ncol)').fill('2')
  await dialog.getByRole('checkbox', { name: /^Dirty region log/ }).check()
  await dryRun(dialog, 'volume opsvol is created: 32 MiB, mirror-stripe, 2 mirrors, 2 columns, with a dirty region log')
  await page.setViewportSize({ width: 1024, height: 768 })
  await page.screenshot({ path: info.outputPath('create-volume-mirror-stripe-1024-light.png') })
  await page.setViewportSize({ width: 1280, height: 720 })
  await dialog.getByLabel('Layout').selectOption('concat')
  await dialog.getByRole('checkbox', { name: /^opsdisk / }).check()
  await dryRun(dialog, 'volume opsvol is created: 32 MiB, concat; it is started')
  await dryRun(dialog, 'subdisk opsdisk-01 is created on opsdisk (32 MiB)')
  await dialogShots(page, info, 'create-volume')
  expect((await config(api)).tid).toBe(tid) // dry runs change nothing
  await confirm(page, dialog)
  await expect(page.getByTestId('action-status')).toContainText('Create volume: done')
  await plexa.selectFiltered('v', 'opsvol')
  await expect(page.getByRole('button', { name: 'Add mirror opsvol', exact: true })).toBeVisible()
  expect(await volume(api, 'opsvol')).toMatchObject({ v_len: 32 * MiB, v_kstate: 'ENABLED' })
  expect((await config(api)).subdisks.filter((s) => s.sd_pl_name === 'opsvol-01').map((s) => s.sd_dm_name)).toEqual(['opsdisk'])
})

test('rules 320, 323: Add mirror shows its dry run and its attach task; a target disk without room is refused and changes nothing', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('v', 'opsvol')
  await refusedForSpace(page, api, 'Add mirror', 'opsvol', 'opstiny')
  const dialog = await open(page, 'Add mirror', 'opsvol')
  await dryRun(dialog, 'opsvol gets a new mirror, plex opsvol-02: 2 complete copies once it is copied')
  await dryRun(dialog, '32 MiB to copy into opsvol-02')
  await dialogShots(page, info, 'add-mirror')
  const before = await seen(api)
  await confirm(page, dialog)
  await taskShown(page, api, before, 'attach', 'volume opsvol')
  await expect.poll(async () => (await plexesOf(api, 'opsvol')).map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state}`)).toEqual(['opsvol-01 ENABLED ACTIVE', 'opsvol-02 ENABLED ACTIVE'])
})

test('rules 320, 323: Add log and Remove log; on an unmirrored volume they are disabled with the reason', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('v', 'catvol')
  await expect(page.getByRole('button', { name: 'Add log catvol', exact: true })).toHaveAttribute('aria-disabled', 'true')
  await expect(page.getByRole('button', { name: 'Add log catvol', exact: true })).toHaveAttribute('title', 'catvol is not mirrored: a dirty region log needs a mirror')
  await expect(page.getByRole('button', { name: 'Remove log catvol', exact: true })).toHaveAttribute('title', 'catvol has no log')
  await expect(page.getByRole('button', { name: 'Remove mirror catvol', exact: true })).toHaveAttribute('aria-disabled', 'true')
  // the toolbar with its operations, enabled and disabled, passes axe in both themes
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    expect(await seriousViolations(page), `toolbar ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await setTheme(page, false)
  await plexa.selectFiltered('v', 'opsvol')
  let dialog = await open(page, 'Add log', 'opsvol')
  await dryRun(dialog, 'opsvol gets a dirty region log on')
  await dialogShots(page, info, 'add-log')
  await confirm(page, dialog)
  await expect(page.getByTestId('action-status')).toContainText('Add log opsvol: done')
  await expect.poll(async () => (await plexesOf(api, 'opsvol')).map((p) => `${p.pl_name} ${p.pl_state}`)).toEqual(['opsvol-01 ACTIVE', 'opsvol-02 ACTIVE', 'opsvol-03 LOG'])
  dialog = await open(page, 'Remove log', 'opsvol')
  await expect(dialog.getByLabel('Log plex to remove')).toHaveValue('opsvol-03')
  await dryRun(dialog, 'opsvol loses its dirty region log: after a crash every region is copied (a full resync)')
  await dialogShots(page, info, 'remove-log')
  await confirm(page, dialog)
  await expect.poll(async () => (await plexesOf(api, 'opsvol')).map((p) => p.pl_name)).toEqual(['opsvol-01', 'opsvol-02'])
})

test('rules 320, 321, 323: Grow zeroes the new space by a task; Shrink of a started volume needs the choice that says the data beyond the end is gone; bad sizes change nothing', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('v', 'opsvol')
  const tid = (await config(api)).tid
  let dialog = await open(page, 'Grow', 'opsvol')
  const size = dialog.getByLabel(/^New size of opsvol/)
  await size.fill('16m')
  await refused(dialog, 'field', 'the new size must be larger')
  await size.fill('10g')
  await refused(dialog, 'dry run', 'VM_NO_SPACE')
  await size.fill('48m')
  await dryRun(dialog, 'opsvol grows from 32 MiB to 48 MiB (98304 sectors)')
  await dryRun(dialog, '32 MiB of zeros written into the new space of every plex (a grow task)')
  expect((await config(api)).tid).toBe(tid)
  await dialogShots(page, info, 'grow')
  const before = await seen(api)
  await confirm(page, dialog)
  await taskShown(page, api, before, 'grow', 'volume opsvol')
  await expect.poll(async () => (await volume(api, 'opsvol'))?.v_len).toBe(48 * MiB)

  dialog = await open(page, 'Shrink', 'opsvol')
  const shrinkTo = dialog.getByLabel(/^New size of opsvol/)
  await shrinkTo.fill('1g')
  await expect(dialog.getByTestId('field-issue')).toContainText('the new size must be smaller')
  await shrinkTo.fill('40m')
  // started: Confirm waits for the explicit choice, which says what is lost
  const force = dialog.getByLabel('opsvol is started: shrink it anyway; the data beyond the new end is gone')
  await refused(dialog, 'field', 'must be forced')
  await force.check()
  await dryRun(dialog, 'the data beyond 40 MiB is gone')
  await dialogShots(page, info, 'shrink')
  await confirm(page, dialog)
  await expect(page.getByTestId('action-status')).toContainText('Shrink opsvol: done')
  expect((await volume(api, 'opsvol'))?.v_len).toBe(40 * MiB)
})

test('rules 320, 321, 323: Remove mirror says what redundancy is left; the last complete copy needs the choice that says the data would have no copy', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('v', 'opsvol')
  // of two complete copies, one removed leaves none to spare
  let dialog = await open(page, 'Remove mirror', 'opsvol')
  await dryRun(dialog, 'opsvol will have no redundancy')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  // opsvol-02 detached: opsvol-01 is the last complete current copy
  expect((await api.call('POST', '/api/dgs/demodg/plexes/opsvol-02/det')).status).toBe(200)
  const tid = (await config(api)).tid
  dialog = await open(page, 'Remove mirror', 'opsvol')
  const plex = dialog.getByLabel('Plex to remove')
  await expect(plex).toHaveValue('opsvol-02')
  await plex.selectOption('opsvol-01')
  await refused(dialog, 'field', 'opsvol-01 is the last complete current plex of opsvol')
  await dialog.getByLabel("Remove opsvol-01 anyway: opsvol's data would have no copy (it is lost)").check()
  await dryRun(dialog, "opsvol's data will have no copy")
  await dialogShots(page, info, 'remove-mirror-last')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  expect((await config(api)).tid).toBe(tid)
  dialog = await open(page, 'Remove mirror', 'opsvol')
  await dryRun(dialog, 'plex opsvol-02 is not a complete current copy: opsvol keeps its 1 complete copy')
  await dryRun(dialog, 'plex opsvol-02 is removed with its subdisks')
  await dialogShots(page, info, 'remove-mirror')
  await confirm(page, dialog)
  await expect(page.getByTestId('action-status')).toContainText('Remove mirror opsvol: done')
  expect((await plexesOf(api, 'opsvol')).map((p) => p.pl_name)).toEqual(['opsvol-01'])
  await expect(page.getByRole('button', { name: 'Remove mirror opsvol', exact: true })).toHaveAttribute('title', "opsvol has one data plex: removing it would remove the volume's data")
})

/** Where a plex's data lies: its data subdisks in plex order, each as disk, offset on the disk and length (sectors). */
const placesOf = async (api: Api, plex: string) => {
  const c = (await api.call('GET', '/api/dgs/demodg')).body.config as { disks: Array<{ dm_name: string; dm_pub_offset: number }>; subdisks: Array<{ sd_name: string; sd_pl_name: string; sd_dm_name: string; sd_dm_offset: number; sd_pl_offset: number; sd_column: number; sd_len: number; sd_is_log: boolean }> }
  return c.subdisks
    .filter((s) => s.sd_pl_name === plex && !s.sd_is_log)
    .sort((a, b) => a.sd_column - b.sd_column || a.sd_pl_offset - b.sd_pl_offset)
    .map((s) => ({ disk: s.sd_dm_name, sector: c.disks.find((d) => d.dm_name === s.sd_dm_name)!.dm_pub_offset + s.sd_dm_offset, len: s.sd_len }))
}

/** A plex's bytes as its disk images hold them, subdisk after subdisk. */
async function plexBytes(api: Api, plex: string): Promise<Buffer> {
  const parts: Buffer[] = []
  for (const p of await placesOf(api, plex)) {
    const f = await openFile(fileURLToPath(new URL(`../.data/disks/demodg-${p.disk}.img`, import.meta.url)), 'r')
    const b = Buffer.alloc(p.len * 512)
    await f.read(b, 0, b.length, p.sector * 512)
    await f.close()
    parts.push(b)
  }
  return Buffer.concat(parts)
}

/** A pattern (not zeros) written under the volume manager into 64 KiB at each MiB of a single-plex volume's plex, so a move that lost or shifted data shows. */
async function patternInto(api: Api, plex: string): Promise<void> {
  for (const p of await placesOf(api, plex)) {
    const f = await openFile(fileURLToPath(new URL(`../.data/disks/demodg-${p.disk}.img`, import.meta.url)), 'r+')
    for (let mib = 0; mib * MiB < p.len; mib++) {
      const b = Buffer.alloc(65536, (mib * 37 + 11) & 0xff)
      b.writeUInt32LE(mib, 0)
      await f.write(b, 0, b.length, (p.sector + mib * MiB) * 512)
    }
    await f.close()
  }
}

test('rules 320, 323, 400: Evacuate moves each subdisk off a disk by a task (vxsd mv): the plex keeps its name and state, its data lies on the chosen disk and is the same; a target disk without room is refused and changes nothing', async ({ plexa, page, api }, info) => {
  await plexa.login()
  await plexa.selectFiltered('dm', 'opstiny')
  await expect(page.getByRole('button', { name: 'Evacuate opstiny', exact: true })).toHaveAttribute('title', 'no plex has a subdisk on opstiny: there is nothing to move')
  await plexa.selectFiltered('dm', 'opsdisk')
  await refusedForSpace(page, api, 'Evacuate', 'opsdisk', 'opstiny')
  expect((await placesOf(api, 'opsvol-01')).map((p) => p.disk)).toEqual(['opsdisk'])
  await patternInto(api, 'opsvol-01')
  const data = await plexBytes(api, 'opsvol-01')
  expect(data.length).toBe(40 * MiB * 512)
  const dialog = await open(page, 'Evacuate', 'opsdisk')
  await dialog.getByRole('checkbox', { name: /^disk03 / }).check()
  // rule 412: the dialog names the subdisk, its plex and where it goes
  await dryRun(dialog, /subdisk opsdisk-\d+ of plex opsvol-01 moves to disk03-\d+ on disk03/)
  await dialogShots(page, info, 'evacuate')
  const before = await seen(api)
  await confirm(page, dialog)
  await taskShown(page, api, before, 'evacuate', 'disk opsdisk')
  await expect.poll(async () => (await config(api)).subdisks.filter((s) => s.sd_dm_name === 'opsdisk').length).toBe(0)
  // the plex is the same plex, now on disk03, current, and holds the same bytes; no TEMPRMSD plex is left
  expect((await placesOf(api, 'opsvol-01')).map((p) => p.disk)).toEqual(['disk03'])
  expect((await plexesOf(api, 'opsvol')).map((p) => `${p.pl_name} ${p.pl_kstate} ${p.pl_state}`)).toEqual(['opsvol-01 ENABLED ACTIVE'])
  expect((await plexBytes(api, 'opsvol-01')).equals(data)).toBe(true)
})
