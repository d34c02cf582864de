// `npm test`: typecheck, then every vitest suite; ends with one plain line `N passed, N failed`
// (the line CI reads).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

const report = '.vitest-report.json'

// Tools the real-client tests drive, and the Debian packages that bring them.
const TOOLS = {
  'qemu-io': 'qemu-utils',
  'qemu-img': 'qemu-utils',
  nbdinfo: 'libnbd-bin',
  nbdcopy: 'libnbd-bin',
  nbdfuse: 'libnbd-bin',
  nbdkit: 'nbdkit',
  fio: 'fio',
  fusermount3: 'fuse3',
  'mkfs.ext4': 'e2fsprogs',
  losetup: 'mount',
  chromium: 'chromium',
  promtool: 'prometheus',
}
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const missing = [...new Set(Object.entries(TOOLS).filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg))]
if (missing.length) {
  if (process.getuid?.() === 0) {
    console.log(`installing ${missing.join(' ')} with apt-get`)
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    const apt = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    if (apt.status !== 0) {
      console.log(`0 passed, 1 failed`)
      process.exit(1)
    }
  } else {
    console.log(`the tests need these Debian packages: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`)
    console.log(`0 passed, 1 failed`)
    process.exit(1)
  }
}
let passed = 0
let failed = 0

// What a user runs is compiled JavaScript: build it (web app, server, CLI) before anything runs it.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' })
if (build.status === 0) passed += 1
else failed += 1
console.log(build.status === 0 ? 'build: ok' : 'build: FAILED')

for (const project of ['tsconfig.json', 'apps/web/tsconfig.json']) {
  const tsc = spawnSync('npx', ['tsc', '--noEmit', '-p', project], { stdio: 'inherit' })
  if (tsc.status === 0) passed += 1
  else failed += 1
  console.log(tsc.status === 0 ? `typecheck ${project}: ok` : `typecheck ${project}: FAILED`)
}

rmSync(report, { force: true })
const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
)
try {
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed += r.numPassedTests
  // skipped and todo tests count as failures: nothing may be left skipped
  failed += r.numFailedTests + (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  // a suite that failed to load has no failed test of its own
  if (r.numFailedTestSuites && !r.numFailedTests) failed += r.numFailedTestSuites
} catch {
  failed += 1
  console.log('vitest produced no report')
}
if (vitest.status !== 0 && failed === 0) failed += 1

// The browser end-to-end suite: Playwright in Debian's Chromium against a real server.
const e2eReport = '.playwright-report.json'
rmSync(e2eReport, { force: true })
const e2e = spawnSync('npx', ['playwright', 'test', '-c', 'e2e'], { stdio: 'inherit' })
try {
  const r = JSON.parse(readFileSync(e2eReport, 'utf8'))
  passed += r.stats.expected
  failed += r.stats.unexpected + r.stats.skipped + (r.stats.flaky ?? 0)
  if (e2e.status !== 0 && r.stats.unexpected === 0) failed += 1
} catch {
  failed += 1
  console.log('playwright produced no report')
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
