// A fresh-eyes administrator review (session 11): what the console said wrong or cut (rules 237-243).
import type { Locator, Page } from '@playwright/test'
import { axeBothThemes, editSnapshot, expect, heal, shots, test } from './fixtures.ts'

test.describe.configure({ mode: 'serial', timeout: 120_000 })

const box = async (l: Locator) => (await l.boundingBox())!

test('rule 237: a stripe or concat volume reads NOT MIRRORED in its badge, the strip and the overview, never full redundancy', async ({ plexa, page, api }, info) => {
  await heal(api)
  await plexa.login()
  for (const v of ['strvol', 'catvol']) {
    await expect(page.getByTestId(`health-${v}`)).toHaveAttribute('data-redundancy', 'unmirrored')
    await expect(page.getByTestId(`health-${v}`)).toContainText('NOT MIRRORED')
    await expect(page.getByTestId(`health-${v}`)).not.toContainText('FULL REDUNDANCY')
  }
  await expect(page.getByTestId('health-mirvol')).toContainText('FULL REDUNDANCY')
  const strip = page.getByTestId('health-dg-demodg')
  await expect(strip.getByTestId('count-full')).toHaveText('✓ 2 full redundancy')
  await expect(strip.getByTestId('count-unmirrored')).toHaveText('○ 2 not mirrored')
  await page.getByRole('tab', { name: 'Overview' }).click()
  await expect(page.getByTestId('all-well')).toContainText('every mirrored volume has full redundancy')
  await expect(page.getByTestId('unmirrored')).toContainText(/no redundancy by design.*strvol, catvol/)
  await shots(page, info, 'overview-unmirrored')
})

test('rule 238: with its DRL log plex on a failed disk, the caption and the overview say the log is lost and a crash would need a full resync; the disk can be replaced from the overview', async ({ plexa, page, api }, info) => {
  await heal(api)
  // mirvol-03, mirvol's log plex, is alone on disk03
  await api.call('POST', '/api/lab/dgs/demodg/disks/disk03/fail', { mode: 'both' })
  try {
    await plexa.login()
    await expect(page.getByTestId('dirty-mirvol')).toHaveText('DRL: log lost (log plex mirvol-03 is on failed disk disk03); a crash now would need a full resync of mirvol (256 MiB), not only its dirty regions')
    await expect(page.getByTestId('log-lost-mirvol')).toHaveText('▲ DRL LOG LOST')
    await page.getByRole('tab', { name: 'Overview' }).click()
    const item = page.getByTestId('attention-demodg/v/mirvol')
    await expect(item).toContainText('WARNING volume mirvol: plex mirvol-03 is on failed disk disk03: its dirty region log is lost, a crash would need a full resync of mirvol')
    await expect(item.getByTestId('waits-for')).toHaveText('fix disk disk03 first (its item above)')
    // review item 10: the failed disk's item does what the advice says: restore (lab) or replace
    const disk = page.getByTestId('attention-demodg/dm/disk03')
    await expect(disk.getByRole('button', { name: 'Restore disk disk03 (lab)' })).toBeVisible()
    await shots(page, info, 'overview-log-lost')
    await disk.getByRole('button', { name: 'Replace disk disk03' }).click()
    const dialog = page.getByRole('dialog', { name: 'confirm Replace disk' })
    // rule 236: mirvol-03 is a log plex: it stays ENABLED LOG, it does not go stale
    await expect(dialog).toContainText('a new blank 1024 MiB image takes the place of disk03, whose data is no longer read: log plex mirvol-03 stays ENABLED LOG: it holds no volume data, and the next write to the volume writes the log afresh on the new image')
    // the server's dry run previews it, and Cancel (the focus) changes nothing
    await expect(dialog.getByTestId('dry-run')).toContainText('disk03')
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    // the disk's own actions have it too
    await plexa.select('dm', 'disk03')
    await expect(page.getByRole('toolbar', { name: 'actions' }).getByRole('button', { name: 'Replace disk disk03' })).toBeVisible()
  } finally {
    await heal(api)
  }
})

test('rule 239: a mirror left SYNC (an aborted forced resync) reads NO REDUNDANCY, and the overview offers its resync', async ({ plexa, page }) => {
  await editSnapshot(page, (c) => void (c.volumes.find((v) => v.v_name === 'msvol')!.v_state = 'SYNC'))
  await plexa.login()
  await expect(page.getByTestId('health-msvol')).toHaveAttribute('data-redundancy', 'none')
  await expect(page.getByTestId('health-msvol')).toContainText('NO REDUNDANCY · ENABLED SYNC')
  await expect(page.getByTestId('health-dg-demodg').getByTestId('count-none')).toHaveText('⚠ 1 no redundancy')
  await expect(page.getByTestId('tree-health-msvol')).toHaveText('⚠ NO REDUNDANCY')
  await page.getByRole('tab', { name: 'Overview' }).click()
  const item = page.getByTestId('attention-demodg/v/msvol')
  await expect(item).toContainText('volume msvol: no redundancy: 2 copies, not known to agree (volume SYNC) (volume msvol is SYNC: its plexes are not known to hold the same data until a resync of it completes)')
  await expect(item.getByRole('button', { name: 'Resync msvol' })).toBeVisible()
  await expect(page.getByTestId('all-well')).toHaveCount(0)
})

test('rule 240: the last action\'s result line is shown under the object it was about (or where nothing is selected), never under another object', async ({ plexa, page, api }) => {
  await heal(api)
  await plexa.login()
  await plexa.select('v', 'mirvol')
  await page.getByRole('button', { name: 'Verify mirvol' }).click()
  const status = page.getByTestId('action-status')
  await expect(status).toContainText(/task \S+: verify of volume mirvol: all \d+ regions agree/, { timeout: 30_000 })
  await plexa.select('v', 'msvol')
  await expect(page.getByRole('toolbar', { name: 'actions' })).toContainText('Resync')
  await expect(status).toHaveCount(0)
  await plexa.select('dm', 'disk01')
  await expect(status).toHaveCount(0)
  await plexa.select('v', 'mirvol')
  await expect(status).toContainText('verify of volume mirvol')
  // an action that is done (no task) names its object too
  await plexa.select('v', 'catvol')
  await page.getByRole('button', { name: 'Stop catvol' }).click()
  await page.getByRole('dialog', { name: 'confirm Stop' }).getByRole('button', { name: 'Confirm' }).click()
  await expect(status).toHaveText('✓ Stop catvol: done')
  await page.getByRole('button', { name: 'Start catvol' }).click()
  await expect(status).toHaveText('✓ Start catvol: done')
  await plexa.select('v', 'mirvol')
  await expect(status).toHaveCount(0)
})

test('rule 241: at 1024 px two plexes of one volume are told apart in the tree (the ellipsis is in the middle)', async ({ plexa, page }, info) => {
  // two plexes whose names are longer than the demo's (the review's datavol-01, datavol-02), renamed everywhere they are named
  await editSnapshot(page, (c) => {
    const to = (n: string) => n.replace(/^mirvol-0([12])$/, 'datavolume-0$1')
    for (const p of c.plexes) p.pl_name = to(p.pl_name)
    for (const s of c.subdisks) s.sd_pl_name = to(s.sd_pl_name)
  })
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  for (const n of ['datavolume-01', 'datavolume-02']) {
    const row = page.getByTestId(`tree-pl-${n}`)
    const tail = page.getByTestId(`tree-tail-${n}`)
    await expect(tail).toHaveText(n.slice(-3))
    await expect(tail).toBeVisible()
    // the tail is drawn whole inside the row, the state word after it too; the head gave way
    expect(await tail.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true)
    const r = await box(row)
    const t = await box(tail)
    expect(t.x + t.width).toBeLessThanOrEqual(r.x + r.width)
    const state = page.getByTestId(`tree-state-${n}`)
    expect((await box(state)).x + (await box(state)).width).toBeLessThanOrEqual(r.x + r.width)
  }
  expect(await page.getByTestId('tree-name-datavolume-01').evaluate((e) => e.scrollWidth > e.clientWidth), 'the pane is too narrow for the whole name at 1024 px').toBe(true)
  await page.getByRole('navigation', { name: 'objects' }).screenshot({ path: info.outputPath('tree-middle-ellipsis-1024.png') })
  await axeBothThemes(page, 'tree at 1024 px')
})

test('rule 241: at 1024 px a volume\'s badge stays on one line and never covers its DRL caption', async ({ plexa, page }, info) => {
  // a volume name as long as a name may be (14 characters), with its DRL log
  const name = 'homedirectory1'
  await editSnapshot(page, (c, g) => {
    for (const v of c.volumes) if (v.v_name === 'mirvol') v.v_name = name
    for (const p of c.plexes) if (p.pl_v_name === 'mirvol') p.pl_v_name = name
    g.dirty = { ...g.dirty, [name]: g.dirty.mirvol }
  })
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  await plexa.select('dm', 'disk05')
  await expect(page.getByTestId(`dirty-${name}`)).toBeVisible()
  const badge = await box(page.getByTestId(`health-${name}`))
  const caption = await box(page.getByTestId(`dirty-${name}`))
  expect(badge.y + badge.height).toBeLessThanOrEqual(caption.y)
  expect(badge.height).toBeLessThan(24)
  await page.getByTestId(`volume-${name}`).screenshot({ path: info.outputPath('volume-long-name-1024.png') })
  await axeBothThemes(page, 'volume view at 1024 px')
})

/** Where a property label's lines break inside a word ("dm_last_da_nam|e", "R|O"): none is allowed. */
function badBreaks(page: Page) {
  return page.getByRole('region', { name: 'properties' }).locator('th').evaluateAll((ths) =>
    ths.flatMap((th) => {
      const chars: Array<{ c: string; top: number; node: Node }> = []
      const walk = document.createTreeWalker(th, NodeFilter.SHOW_TEXT)
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        for (let i = 0; i < n.textContent!.length; i++) {
          const r = document.createRange()
          r.setStart(n, i)
          r.setEnd(n, i + 1)
          const rect = r.getClientRects()[0]
          if (rect && n.textContent![i] !== ' ') chars.push({ c: n.textContent![i]!, top: Math.round(rect.top), node: n })
        }
      }
      const out: string[] = []
      for (let i = 1; i < chars.length; i++) {
        const [a, b] = [chars[i - 1]!, chars[i]!]
        // a new line may start after an underscore or at the RO marker, nowhere else
        if (b.top > a.top && a.c !== '_' && !(b.c === 'R' && chars[i + 1]?.c === 'O' && b.node !== a.node)) out.push(`${th.textContent}: ${a.c}|${b.c}`)
      }
      return out
    }),
  )
}

test('rule 242: property labels wrap at underscores only and never split RO, at 1024 and 1280 px', async ({ plexa, page }, info) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await plexa.login()
  for (const [kind, name] of [['dm', 'disk05'], ['pl', 'mirvol-01'], ['v', 'mirvol']] as const) {
    await plexa.select(kind, name)
    for (const [width, height] of [[1280, 800], [1024, 768]] as const) {
      await page.setViewportSize({ width, height })
      await expect(page.getByRole('region', { name: 'properties' }).locator('th').first()).toBeVisible()
      expect(await badBreaks(page), `${kind} ${name} at ${width} px`).toEqual([])
      if (kind === 'dm') await page.getByRole('region', { name: 'properties' }).screenshot({ path: info.outputPath(`properties-disk-${width}.png`) })
    }
  }
  await axeBothThemes(page, 'volume properties at 1024 px')
})

test('rule 243: Ctrl + wheel and the zoom buttons zoom the disk view as they do the volume view', async ({ plexa, page }) => {
  await plexa.login()
  await page.getByRole('tab', { name: 'Disk view' }).click()
  const zoom = page.getByTestId('zoom-disks')
  await expect(zoom).toHaveText('whole disks')
  const bar = await box(page.getByTestId('disk-disk01'))
  await page.mouse.move(bar.x + bar.width / 4, bar.y + bar.height - 10)
  await page.keyboard.down('Control')
  await page.mouse.wheel(0, -100)
  await page.keyboard.up('Control')
  // around the pointer, a quarter of the way along: 0.25 - 0.25 * 0.8 = 5%
  await expect(zoom).toContainText(/^\d+(\.\d)?% to \d+(\.\d)?% of each disk/)
  const [from, to] = ((await zoom.textContent())!.match(/[\d.]+/g) ?? []).map(Number)
  expect(to! - from!).toBeCloseTo(80, 0)
  expect(from!).toBeGreaterThan(0)
  await page.keyboard.down('Control')
  await page.mouse.wheel(0, 100)
  await page.keyboard.up('Control')
  await expect(zoom).toHaveText('whole disks')
  await page.getByRole('toolbar', { name: 'zoom disks' }).getByRole('button', { name: 'Zoom in' }).click()
  await expect(zoom).toContainText('25% to 75% of each disk')
  await page.getByRole('toolbar', { name: 'zoom disks' }).getByRole('button', { name: 'Whole' }).click()
})

test('could be nicer: a selection in the tree scrolls the volume view to its volume; the lab fail dialog names what the volumes lose; Acknowledge all confirms while a critical problem lasts', async ({ plexa, page, api }) => {
  await heal(api)
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  // strvol's drawing is below the fold at 1024x768: selecting its plex in the tree brings it into view
  await plexa.select('pl', 'strvol-01')
  await expect(page.getByTestId('volume-strvol')).toBeInViewport({ ratio: 0.5 })
  await plexa.select('v', 'catvol')
  await expect(page.getByTestId('volume-catvol')).toBeInViewport({ ratio: 0.5 })
  // the lab's fail dialog says what each volume on the disk loses
  await plexa.select('dm', 'disk06')
  await page.getByRole('button', { name: 'Lab: fail disk' }).click()
  let dialog = page.getByRole('dialog', { name: 'confirm Lab: fail disk' })
  await expect(dialog).toContainText('catvol fails (not mirrored): no copy of its data is left to read; strvol fails (not mirrored): no copy of its data is left to read')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await plexa.select('dm', 'disk03')
  await page.getByRole('button', { name: 'Lab: fail disk' }).click()
  await expect(dialog).toContainText('mirvol loses its DRL log: a crash would need a full resync')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await plexa.select('dm', 'disk01')
  await page.getByRole('button', { name: 'Lab: fail disk' }).click()
  await expect(dialog).toContainText('mirvol will have no redundancy; msvol will have no redundancy')
  await dialog.getByRole('button', { name: 'Confirm' }).click()
  try {
    // a write finds the failed disk: a critical alert whose problem lasts
    await api.call('POST', '/api/lab/load', { dg: 'demodg', volume: 'mirvol', writesPerSecond: 50 })
    await expect.poll(async () => ((await api.call('GET', '/api/alerts')).body.alerts as Array<{ severity: string; acked?: unknown }>).some((a) => a.severity === 'critical' && !a.acked), { timeout: 30_000 }).toBe(true)
    await api.call('POST', '/api/lab/load/stop', { dg: 'demodg', volume: 'mirvol' })
    await page.getByRole('tab', { name: /^Alerts/ }).click()
    await page.getByTestId('ack-all').click()
    dialog = page.getByRole('dialog', { name: 'confirm Acknowledge all' })
    await expect(dialog).toContainText(/critical alerts? whose problem lasts \(#\d+ VM_\w+/)
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused()
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    expect(((await api.call('GET', '/api/alerts')).body.alerts as Array<{ severity: string; acked?: unknown }>).some((a) => a.severity === 'critical' && !a.acked)).toBe(true)
    await page.getByTestId('ack-all').click()
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect(page.getByTestId('alert-count')).toHaveText('no open alerts')
  } finally {
    await heal(api)
  }
})
