import { type Api, SCREENS, axeBothThemes, dialogViolations, expect, heal, setTheme, shots, test } from './fixtures.ts'

// vxdg deport from the console (rule 454): "Deport disk group…" on the group, disabled while a
// volume is started; its confirmation says what happens from the dry run; the group leaves the
// page (dg.state deported) and is listed as deported above the tree with an Import button; the
// import brings every volume back. The demo is put back as it was (volumes started) at the end.

test.describe.configure({ mode: 'serial', timeout: 180_000 })

const VOLUMES = ['mirvol', 'strvol', 'msvol', 'catvol']

async function volumeStates(api: Api): Promise<string[]> {
  const c = (await api.call('GET', '/api/dgs/demodg')).body.config as { volumes: Array<{ v_name: string; v_kstate: string; v_state: string }>; plexes: Array<{ pl_name: string; pl_state: string }> }
  return [...c.volumes.map((v) => `${v.v_name} ${v.v_kstate} ${v.v_state}`), ...c.plexes.map((p) => `${p.pl_name} ${p.pl_state}`)].sort()
}

test('454: a started volume disables Deport disk group…; with every volume stopped its confirmation says what happens, the group goes deported with an Import button, and the import brings it back', async ({ plexa, page, api }, info) => {
  await heal(api)
  await page.setViewportSize({ width: 1280, height: 720 })
  await plexa.login()
  await plexa.select('dg', 'demodg')
  const deport = page.getByRole('toolbar', { name: 'actions' }).getByRole('button', { name: 'Deport disk group… demodg' })
  // started volumes: disabled, saying which to stop
  await expect(deport).toHaveAttribute('aria-disabled', 'true')
  await expect(page.getByTestId('disabled-reason')).toContainText('stop mirvol, strvol, msvol, catvol first')
  try {
    for (const v of VOLUMES) expect((await api.call('POST', `/api/dgs/demodg/volumes/${v}/stop`)).status).toBe(200)
    const before = await volumeStates(api)
    await expect(deport).not.toHaveAttribute('aria-disabled', 'true')
    const dialog = page.getByRole('dialog', { name: 'confirm Deport disk group…' })
    // the confirmation at each size and theme (the page behind a dialog is inert: set before it opens); Cancel changes nothing
    for (const [width, height] of SCREENS) {
      for (const dark of [false, true]) {
        await page.setViewportSize({ width, height })
        await setTheme(page, dark)
        await deport.click()
        await expect(dialog.getByRole('heading')).toHaveText('Deport disk group demodg?')
        await expect(dialog.getByRole('alert').first()).toContainText('demodg leaves this server')
        const dry = dialog.getByTestId('dry-run')
        await expect(dry).toContainText('disks disk01, disk02, disk03, disk04, disk05, disk06 will name no importer')
        await expect(dry).toContainText('volumes mirvol, strvol, msvol, catvol leave with it, stopped')
        expect(await dialogViolations(page), `deport dialog ${width} ${dark ? 'dark' : 'light'}`).toEqual([])
        await page.screenshot({ path: info.outputPath(`deport-confirm-${width}-${dark ? 'dark' : 'light'}.png`) })
        await dialog.getByRole('button', { name: 'Cancel' }).click()
        await expect(dialog).toHaveCount(0)
      }
    }
    await setTheme(page, false)
    await page.setViewportSize({ width: 1280, height: 720 })
    expect((await api.call('GET', '/api/imports')).body.groups).toEqual([])
    await deport.click()
    await page.getByRole('dialog', { name: 'confirm Deport disk group…' }).getByRole('button', { name: 'Confirm' }).click()
    // the page sees it go: out of the tree, listed as deported with its Import button
    const listed = page.getByTestId('deported-demodg')
    await expect(listed).toContainText('demodg deported: its 6 disks name no importer')
    await expect(page.getByTestId('tree-dg-demodg')).toHaveCount(0)
    await expect(page.getByTestId('nothing-imported')).toHaveText('No disk group is imported here: demodg is deported. Import it from "Deported disk groups" in the objects pane.')
    expect((await api.call('GET', '/api/imports')).body.groups).toEqual([expect.objectContaining({ name: 'demodg', code: 'VM_OFFLINE', deported: true })])
    // a deported group is no problem: no critical banner
    await expect(page.getByTestId('import-banner-demodg')).toHaveCount(0)
    await axeBothThemes(page, 'a deported group')
    await shots(page, info, 'deported', { axe: false })
    await listed.getByRole('button', { name: 'Import demodg' }).click()
    const confirmImport = page.getByRole('dialog', { name: 'confirm Import disk group' })
    await expect(confirmImport.getByRole('heading')).toHaveText('Import disk group demodg?')
    await confirmImport.getByRole('button', { name: 'Confirm' }).click()
    await expect(page.getByTestId('tree-dg-demodg')).toBeVisible()
    await expect(page.getByTestId('deported-groups')).toHaveCount(0)
    await expect(page.getByTestId('nothing-imported')).toHaveCount(0)
    expect(await volumeStates(api)).toEqual(before)
    const audit = ((await api.call('GET', '/api/audit')).body.entries as Array<{ operation: string; args: { dg?: string }; result: string }>).filter((e) => e.operation === 'POST /api/dgs/:dg/deport' || e.operation === 'POST /api/imports/:dg').slice(-2)
    expect(audit.map((e) => [e.operation, e.args.dg, e.result])).toEqual([['POST /api/dgs/:dg/deport', 'demodg', 'ok'], ['POST /api/imports/:dg', 'demodg', 'ok']])
  } finally {
    // the demo as the other specs expect it: imported, every volume started
    if ((await api.call('GET', '/api/imports')).body.groups.some((g: { name: string }) => g.name === 'demodg')) await api.call('POST', '/api/imports/demodg', {})
    for (const v of VOLUMES) await api.call('POST', `/api/dgs/demodg/volumes/${v}/start`, {})
  }
  await heal(api)
})
