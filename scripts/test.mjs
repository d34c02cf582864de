// `npm test`: typecheck, then every vitest suite; ends with one plain line `N passed, N failed`
// (the line CI reads).
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'

const report = '.vitest-report.json'
let passed = 0
let failed = 0

const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' })
if (tsc.status === 0) passed += 1
else failed += 1
console.log(tsc.status === 0 ? 'typecheck: ok' : 'typecheck: FAILED')

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
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
