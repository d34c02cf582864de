import { expect, heal, shots, test } from './fixtures.ts'

// Rule 504: after hot relocation moved mirvol-02 off disk02, the console offers "Move relocated
// subdisks back" on disk02 (disabled while it is FAILING, saying why) and on the relocated
// subdisk; confirmed with its dry run, the subdisk goes back to disk02 at its original offset.

test.describe.configure({ mode: 'serial', timeout: 120_000 })

type Sd = { sd_name: string; sd_pl_name: string; sd_dm_name: string; sd_dm_offset: number; sd_orig_dmname: string }

test('504: Move relocated subdisks back, from the disk hot relocation moved them off, puts mirvol-02 back at its original offset', async ({ plexa, page, api }) => {
  await heal(api)
  const subdisks = async () => ((await api.call('GET', '/api/dgs/demodg')).body.config.subdisks as Sd[]).filter((s) => s.sd_pl_name === 'mirvol-02')
  const [before] = await subdisks()
  expect(before!.sd_dm_name).toBe('disk02')
  // hot relocation by hand (the demo group has it off): mirvol-02 detached, then relocated off disk02
  expect((await api.call('POST', '/api/dgs/demodg/plexes/mirvol-02/det')).status).toBe(200)
  expect((await api.call('POST', '/api/dgs/demodg/disks/disk02/relocate', { plexes: ['mirvol-02'] })).status).toBe(202)
  await api.waitPlex('mirvol-02', 'ACTIVE')
  const [moved] = await subdisks()
  expect(moved).toMatchObject({ sd_orig_dmname: 'disk02' })
  await plexa.login()
  await plexa.select('dm', 'disk02')
  const note = page.getByTestId('relocated-note')
  await expect(note).toContainText(`Hot relocation moved 1 subdisk off disk02 (256 MiB): ${moved!.sd_name} of mirvol-02 on ${moved!.sd_dm_name}.`)
  const back = note.getByRole('button', { name: 'Move relocated subdisks back to disk02' })
  await expect(back).toHaveAttribute('aria-disabled', 'true')
  await expect(back).toHaveAttribute('title', 'disk02 is still marked FAILING: once the disk is checked, clear FAILING first')
  await shots(page, test.info(), 'unrelocate-failing')
  // the disk is checked: clear its FAILING mark, then move the subdisk back
  await page.getByTestId('failing-note').getByRole('button', { name: 'Clear FAILING' }).click()
  await page.getByRole('button', { name: 'Confirm' }).click()
  await expect(page.getByTestId('failing-note')).toHaveCount(0)
  await expect(back).not.toHaveAttribute('aria-disabled', 'true')
  await back.click()
  const dialog = page.getByRole('dialog', { name: 'confirm Move relocated subdisks back' })
  await expect(dialog.getByRole('heading')).toHaveText('Move the subdisks relocated off disk02 back to it?')
  await expect(dialog.getByTestId('dry-run')).toContainText('256 MiB to copy back, online')
  await expect(dialog.getByTestId('dry-run')).toContainText(`new subdisk disk02-01 on disk02 at 0 B, 256 MiB (plex mirvol-02)`)
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  await expect(note).toHaveCount(0, { timeout: 30_000 })
  await expect.poll(async () => (await subdisks()).map((s) => [s.sd_dm_name, s.sd_dm_offset, s.sd_orig_dmname]), { timeout: 30_000 }).toEqual([['disk02', before!.sd_dm_offset, '']])
  await api.waitPlex('mirvol-02', 'ACTIVE')
  await heal(api)
})
