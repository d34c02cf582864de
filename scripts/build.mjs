// `npm run build` (and `npm install`, through `prepare`): compiles what runs for a user to
// JavaScript that plain `node` runs, with no TypeScript loader:
//   apps/web/dist          the web app (vite)
//   apps/server/dist/main.js   `plexa serve`: the server, engine and protocol in one ES module (esbuild)
//   apps/cli/dist/plexa.js     the `plexa` command; `plexa serve` loads the server as a chunk of its own
// A target whose inputs are older than its output is not built again.
//   node scripts/build.mjs [web|node|pack|unpack]   (default: web and node; pack also copies the web
//   app and the native addons into apps/cli for the tarball of `npm pack -w @plexa/cli`, its prepack;
//   unpack, its postpack, removes the addons' copy)
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const at = (p) => join(root, p)

/** Newest modification time of the files under these paths (node_modules and dist skipped). */
function newest(paths) {
  let t = 0
  const walk = (p) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'dist' && e !== 'web' && !e.startsWith('.')) walk(join(p, e))
    } else t = Math.max(t, st.mtimeMs)
  }
  for (const p of paths) walk(at(p))
  return t
}

const fresh = (output, inputs) => existsSync(at(output)) && statSync(at(output)).mtimeMs >= newest(inputs)

const SHARED = ['packages/engine/src', 'packages/protocol/src', 'packages/engine/package.json', 'packages/protocol/package.json', 'package-lock.json', 'scripts/build.mjs']

function buildWeb() {
  if (fresh('apps/web/dist/index.html', ['apps/web/src', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/package.json', ...SHARED])) return
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: at('apps/web'), stdio: 'inherit' })
  if (r.status !== 0) throw new Error('the web build failed')
}

async function buildNode() {
  const inputs = ['apps/server/src', 'apps/cli/src', 'apps/server/package.json', 'apps/cli/package.json', ...SHARED]
  if (fresh('apps/server/dist/main.js', inputs) && fresh('apps/cli/dist/plexa.js', inputs)) return
  const esbuild = await import('esbuild')
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    sourcemap: 'linked',
    conditions: ['source'],
    logLevel: 'warning',
    // ws loads these optional native helpers when they are installed; fs-native-extensions is a native
    // addon that finds its prebuilt binary next to its own files, so it stays a package of its own
    external: ['bufferutil', 'utf-8-validate', 'fs-native-extensions'],
    // bundled CommonJS packages (commander, prom-client, ...) may call require()
    banner: { js: "import { createRequire as __plexaRequire } from 'node:module'; const require = __plexaRequire(import.meta.url);" },
  }
  rmSync(at('apps/server/dist'), { recursive: true, force: true })
  rmSync(at('apps/cli/dist'), { recursive: true, force: true })
  await esbuild.build({ ...common, entryPoints: { main: at('apps/server/src/main.ts') }, outdir: at('apps/server/dist') })
  await esbuild.build({ ...common, entryPoints: { plexa: at('apps/cli/src/main.ts') }, outdir: at('apps/cli/dist'), splitting: true, chunkNames: '[name]-[hash]' })
}

/** The packed `plexa` serves the web app it carries (apps/cli/web). */
function copyWebIntoCli() {
  rmSync(at('apps/cli/web'), { recursive: true, force: true })
  cpSync(at('apps/web/dist'), at('apps/cli/web'), { recursive: true })
}

/**
 * The packages left out of the bundles (native addons), with everything they depend on, copied into
 * apps/cli/node_modules: npm pack puts them in the tarball as bundleDependencies, so the packed
 * `plexa` installs without the registry. `unpack` (postpack) removes the copy.
 */
function copyExternalsIntoCli() {
  const cli = JSON.parse(readFileSync(at('apps/cli/package.json'), 'utf8'))
  const seen = new Set()
  const visit = (name) => {
    if (seen.has(name)) return
    seen.add(name)
    const dir = at(join('node_modules', name))
    if (!existsSync(dir)) throw new Error(`${name} is not installed`)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) if (existsSync(at(join('node_modules', dep)))) visit(dep)
  }
  for (const name of cli.bundleDependencies ?? []) visit(name)
  rmSync(at('apps/cli/node_modules'), { recursive: true, force: true })
  for (const name of seen) cpSync(at(join('node_modules', name)), at(join('apps/cli/node_modules', name)), { recursive: true })
}

const targets = process.argv.slice(2)
if (targets.includes('unpack')) {
  rmSync(at('apps/cli/node_modules'), { recursive: true, force: true })
  process.exit(0)
}
const all = targets.length === 0 || targets.includes('pack')
const want = (t) => all || targets.includes(t)
const started = Date.now()
try {
  if (want('web')) buildWeb()
  if (want('node')) await buildNode()
  if (targets.includes('pack')) {
    copyWebIntoCli()
    copyExternalsIntoCli()
  }
} catch (e) {
  console.error(`build: ${e.message ?? e}`)
  process.exit(1)
}
if (Date.now() - started > 2000) console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
