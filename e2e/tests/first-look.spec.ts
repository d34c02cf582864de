// Small things a new administrator trips on (rules 274-277): property values that break inside a
// word, a toolbar that wraps, zoom that loses the selected object, legend colours too close to tell.
import type { Page } from '@playwright/test'
import { contrastRatio, editSnapshot, expect, seriousViolations, setTheme, test } from './fixtures.ts'

test.describe.configure({ mode: 'serial', timeout: 180_000 })

const WIDTHS = [[1024, 768], [1280, 800], [1920, 1080]] as const

/** Screenshots of one element at 1024, 1280 and 1920 px, light and dark, into the test's output. */
async function look(page: Page, info: { outputPath: (n: string) => string }, name: string, el: () => ReturnType<Page['locator']>) {
  for (const [w, h] of WIDTHS) {
    await page.setViewportSize({ width: w, height: h })
    for (const dark of [false, true]) {
      await setTheme(page, dark)
      await el().screenshot({ path: info.outputPath(`${name}-${w}-${dark ? 'dark' : 'light'}.png`) })
    }
  }
  await setTheme(page, false)
}

/**
 * Where the property values break a line inside a word: for every value cell, each pair of
 * neighbouring characters on different lines where the first is not one a line may break after
 * (`|`, `,`, `_`, `/`, `.`, a space). A value cut with an ellipsis must be whole in its title.
 */
async function midWordBreaks(page: Page) {
  return page.evaluate(() => {
    const out: Array<{ field: string; at: string }> = []
    for (const td of document.querySelectorAll<HTMLElement>('section[aria-label="properties"] td[data-testid^="field-"]')) {
      const chars: Array<{ c: string; top: number }> = []
      const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT)
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent ?? ''
        for (let i = 0; i < text.length; i++) {
          const r = document.createRange()
          r.setStart(n, i)
          r.setEnd(n, i + 1)
          const rect = r.getClientRects()[0]
          if (rect) chars.push({ c: text[i]!, top: Math.round(rect.top) })
        }
      }
      for (let i = 1; i < chars.length; i++) {
        if (chars[i]!.top !== chars[i - 1]!.top && !/[|,_/. ]/.test(chars[i - 1]!.c) && chars[i]!.c !== ' ') {
          out.push({ field: td.dataset.testid!, at: chars.slice(Math.max(0, i - 8), i).map((x) => x.c).join('') + '⏎' + chars.slice(i, i + 8).map((x) => x.c).join('') })
        }
      }
      const cut = [...td.querySelectorAll<HTMLElement>('*'), td].some((e) => e.scrollWidth > e.clientWidth + 1)
      if (cut && td.title !== td.textContent) out.push({ field: td.dataset.testid!, at: `cut, but its title is ${JSON.stringify(td.title)}` })
    }
    return out
  })
}

test('274: property values wrap after | , _ / . or a space, or are cut with an ellipsis and whole in their title; never inside a word, at 1024, 1280 and 1920 px', async ({ plexa, page, api }, info) => {
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  const props = () => page.getByRole('region', { name: 'properties' })
  // a comment of 40 characters with nowhere to break: cut with an ellipsis, whole in its title
  const long = 'x'.repeat(40)
  expect((await api.call('PATCH', '/api/dgs/demodg/records/disk01-01', { fields: { comment: long } })).status).toBe(200)
  try {
    for (const [kind, name] of [['dm', 'disk01'], ['pl', 'mirvol-01'], ['v', 'mirvol'], ['sd', 'disk01-01']] as const) {
      await plexa.select(kind, name)
      await expect(props().getByRole('heading', { level: 2 })).toContainText(name)
      for (const [w, h] of WIDTHS) {
        await page.setViewportSize({ width: w, height: h })
        expect(await midWordBreaks(page), `${kind} ${name} at ${w} px`).toEqual([])
      }
      if (kind === 'sd') {
        const cell = props().getByTestId('field-sd_comment')
        await expect(cell).toHaveAttribute('title', long)
        expect(await cell.evaluate((e) => e.scrollWidth > e.clientWidth), 'the comment is cut').toBe(true)
        expect(await cell.evaluate((e) => getComputedStyle(e).textOverflow)).toBe('ellipsis')
      }
      for (const g of ['Identity', 'Flags']) await look(page, info, `properties-${name}-${g.toLowerCase()}`, () => props().getByRole('region', { name: g }))
    }
  } finally {
    await api.call('PATCH', '/api/dgs/demodg/records/disk01-01', { fields: { comment: '' } })
  }
})

test('275: the zoom toolbar of the disk and the volume view stays one line at 1024, 1280 and 1920 px, whole or zoomed, every control reachable by Tab', async ({ plexa, page }, info) => {
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  for (const [tab, what] of [['Disk view', 'disks'], ['Volume view', 'volumes']] as const) {
    await page.getByRole('tab', { name: tab }).click()
    const bar = page.getByRole('toolbar', { name: `zoom ${what}` })
    for (const zoomed of [false, true]) {
      if (zoomed) {
        await bar.getByRole('button', { name: 'Zoom in' }).click()
        await bar.getByRole('button', { name: 'pan right' }).click()
        await expect(page.getByTestId(`zoom-${what}`)).not.toContainText('whole')
      }
      await look(page, info, `toolbar-${what}-${zoomed ? 'zoomed' : 'whole'}`, () => page.getByRole('toolbar', { name: `zoom ${what}` }).locator('..'))
      for (const [w, h] of WIDTHS) {
        await page.setViewportSize({ width: w, height: h })
        // one line: every control and the range text one line high, side by side, none cut off
        const lines = await bar.evaluate((e) => {
          const line = parseFloat(getComputedStyle(e).lineHeight)
          const kids = [...e.children].map((c) => ({ text: c.textContent, r: c.getBoundingClientRect(), pad: parseFloat(getComputedStyle(c).paddingTop) + parseFloat(getComputedStyle(c).paddingBottom) + parseFloat(getComputedStyle(c).borderTopWidth) * 2 }))
          return {
            taller: kids.filter((k) => k.r.height - k.pad > line * 1.5).map((k) => k.text),
            below: kids.filter((k) => k.r.top >= kids[0]!.r.bottom).map((k) => k.text),
            fits: e.scrollWidth <= e.clientWidth + 1,
          }
        })
        expect(lines, `${what} ${zoomed ? 'zoomed' : 'whole'} at ${w} px`).toEqual({ taller: [], below: [], fits: true })
        // the range in view is said whole in its title when cut
        const range = page.getByTestId(`zoom-${what}`)
        if (await range.evaluate((e) => e.scrollWidth > e.clientWidth)) await expect(range).toHaveAttribute('title', (await range.textContent())!)
      }
    }
    // every button is reached by Tab, in order
    await bar.getByRole('button', { name: 'Zoom in' }).focus()
    for (const name of ['Zoom out', 'Whole', 'pan left', 'pan right']) {
      await page.keyboard.press('Tab')
      await expect(bar.getByRole('button', { name })).toBeFocused()
    }
    await bar.getByRole('button', { name: 'Whole' }).click()
  }
})

test('276: "up to date" and "syncing / empty" differ in colour in both themes and in pattern in the legend and both views; axe-core still passes', async ({ plexa, page, api }, info) => {
  // msvol-02 shown as an enabled, empty plex (syncing / empty) beside msvol-01 (up to date)
  await editSnapshot(page, (c) => void (c.plexes.find((p) => p.pl_name === 'msvol-02')!.pl_state = 'EMPTY'))
  await page.setViewportSize({ width: 1280, height: 800 })
  await plexa.login()
  const legend = page.getByTestId('volume-pane').getByRole('list', { name: 'legend' })
  const contrast = async () => {
    const [up, syncing] = await legend.evaluate((ul) => {
      const fill = (words: string) => getComputedStyle([...ul.querySelectorAll('li')].find((li) => li.textContent === words)!.querySelector('rect')!).fill
      return [fill('up to date'), fill('syncing / empty')] as const
    })
    return contrastRatio(up, syncing)
  }
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    // their fills are told apart by lightness alone (a contrast ratio of 1.4 or more), as a colour-blind viewer sees them
    expect(await contrast(), dark ? 'dark' : 'light').toBeGreaterThanOrEqual(1.4)
  }
  await setTheme(page, false)
  // and by pattern: striped across for syncing / empty, plain for up to date, the same in the legend and both views
  await expect(legend.locator('li[data-state="busy"] rect[fill="url(#pat-busy)"]')).toHaveCount(1)
  await expect(legend.locator('li[data-state="ok"] rect[fill^="url("]')).toHaveCount(0)
  const sds = ((await api.call('GET', '/api/dgs/demodg')).body.config.subdisks as Array<{ sd_name: string; sd_pl_name: string }>)
  const of = (pl: string) => sds.filter((x) => x.sd_pl_name === pl).map((x) => x.sd_name)
  for (const sd of of('msvol-02')) await expect(page.getByTestId(`state-pattern-${sd}`), sd).toHaveCount(1)
  for (const sd of of('msvol-01')) await expect(page.getByTestId(`state-pattern-${sd}`), sd).toHaveCount(0)
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    expect(await seriousViolations(page), `volume view ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await setTheme(page, false)
  await look(page, info, 'legend', () => page.getByTestId('volume-pane').getByRole('list', { name: 'legend' }))
  await look(page, info, 'volume-msvol-busy', () => page.getByTestId('volume-msvol'))
  await page.getByRole('tab', { name: 'Disk view' }).click()
  for (const sd of of('msvol-02')) await expect(page.getByTestId(`disk-state-pattern-${sd}`), sd).toHaveCount(1)
  for (const sd of of('msvol-01')) await expect(page.getByTestId(`disk-state-pattern-${sd}`), sd).toHaveCount(0)
  for (const dark of [false, true]) {
    await setTheme(page, dark)
    expect(await seriousViolations(page), `disk view ${dark ? 'dark' : 'light'}`).toEqual([])
  }
  await setTheme(page, false)
  await look(page, info, 'disk-view-busy', () => page.getByRole('region', { name: 'disk view' }))
})

test('277: the zoom buttons keep the selected object in view, centred where the ends allow, in the disk and the volume view', async ({ plexa, page, api }, info) => {
  // a concat volume of two pieces, so a subdisk covers part of its volume: azv-a its first quarter (named to be drawn first)
  const made = await api.call('POST', '/api/dgs/demodg/records', { records: [
    { type: 'sd', name: 'azv-a', disk: 'disk03', len: 64 * 2048 },
    { type: 'sd', name: 'azv-b', disk: 'disk03', len: 192 * 2048 },
    { type: 'plex', name: 'azv-01', sd: ['azv-a', 'azv-b'] },
    { type: 'vol', name: 'azv', len: 256 * 2048, plex: ['azv-01'] },
  ] })
  expect(made.status).toBe(200)
  try {
    await page.setViewportSize({ width: 1024, height: 768 })
    await plexa.login()
    /** Where a drawn box lies against its drawing: both ends in view, and how far its middle is from the middle. */
    const placement = (box: ReturnType<Page['locator']>, drawing: ReturnType<Page['locator']>) => Promise.all([box.boundingBox(), drawing.boundingBox()]).then(([b, d]) => ({
      inView: b!.x >= d!.x - 2 && b!.x + b!.width <= d!.x + d!.width + 2 && b!.width > 0,
      offCentre: Math.abs(b!.x + b!.width / 2 - (d!.x + d!.width / 2)) / d!.width,
    }))
    for (const [tab, what, sd, drawing] of [
      // disk01-02 (msvol-02) lies at 258 MiB of a 1 GiB disk, left of the middle
      ['Disk view', 'disks', () => page.getByTestId('disk-sd-disk01-02').locator('rect.outline'), () => page.getByTestId('disk-disk01').locator('svg')],
      ['Volume view', 'volumes', () => page.getByTestId('sd-azv-a').locator('rect.outline'), () => page.getByTestId('volume-azv').locator('svg').first()],
    ] as const) {
      await page.getByRole('tab', { name: tab }).click()
      const bar = page.getByRole('toolbar', { name: `zoom ${what}` })
      await plexa.select('sd', tab === 'Disk view' ? 'disk01-02' : 'azv-a')
      // twice: a quarter of the space in view, twice the subdisk's length
      for (let i = 0; i < 2; i++) await bar.getByRole('button', { name: 'Zoom in' }).click()
      await expect(page.getByTestId(`zoom-${what}`)).toContainText('of each')
      const at = await placement(sd(), drawing())
      expect(at.inView, `${what}: the selected subdisk is in view after zooming in (${await page.getByTestId(`zoom-${what}`).textContent()}, ${JSON.stringify(await sd().boundingBox())} in ${JSON.stringify(await drawing().boundingBox())})`).toBe(true)
      // centred, or as near as the start of the space allows (azv-a is its volume's first quarter)
      if (what === 'disks') expect(at.offCentre, 'disk01-02 is centred').toBeLessThan(0.05)
      await look(page, info, `zoom-selected-${what}`, () => page.getByTestId(what === 'disks' ? 'disk-pane' : 'volume-pane'))
      // zooming out keeps it in view too
      await bar.getByRole('button', { name: 'Zoom out' }).click()
      expect((await placement(sd(), drawing())).inView, `${what}: still in view after zooming out`).toBe(true)
      await bar.getByRole('button', { name: 'Whole' }).click()
    }
  } finally {
    await api.call('POST', '/api/dgs/demodg/records/azv/remove', { recursive: true })
  }
})

test('272: the task history says what a finished copy wrote to its plexes, in MiB', async ({ plexa, page, api }, info) => {
  await page.setViewportSize({ width: 1024, height: 768 })
  await plexa.login()
  // a forced resync of mirvol: the first of its two 256 MiB data plexes copied over the second
  const started = await api.call('POST', '/api/dgs/demodg/volumes/mirvol/resync', { force: true })
  expect(started.status).toBe(202)
  await page.getByRole('tab', { name: 'Task history' }).click()
  const line = page.getByTestId(`finished-${started.body.taskId}`).last()
  await expect(line).toContainText('256 MiB written', { timeout: 60_000 })
  await look(page, info, 'task-history', () => page.getByRole('region', { name: 'task history' }))
})
