import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { HTTP_STATUS, ROUTES, type RouteKey } from '@plexa/protocol'
import { recorder, testServer } from './harness.ts'
import { cases } from './routeCases.ts'

const DOC = fileURLToPath(new URL('../../../docs/api.md', import.meta.url))

function trim(v: unknown): string {
  const text = JSON.stringify(v, (_k, x) => (Array.isArray(x) && x.length > 4 ? [...x.slice(0, 3), `... ${x.length - 3} more`] : x), 2)
  return text.length > 1500 ? `${text.slice(0, 1500)}\n... (truncated)` : text
}

/**
 * docs/api.md is generated from real calls against a real server (PLEXA_WRITE_DOCS=1 writes it);
 * this test keeps it covering every route of the protocol table.
 */
describe('docs/api.md', () => {
  it('documents every route with an example request and response', async () => {
    if (process.env.PLEXA_WRITE_DOCS) await writeDocs()
    const doc = await readFile(DOC, 'utf8')
    for (const key of Object.keys(ROUTES)) {
      expect(doc, key).toContain(`### \`${key}\``)
    }
    const sections = doc.split('### `').slice(1)
    for (const [key, def] of Object.entries(ROUTES) as Array<[RouteKey, (typeof ROUTES)[RouteKey]]>) {
      const section = doc.split(`### \`${key}\``)[1]?.split('### `')[0] ?? ''
      for (const code of def.errors ?? []) expect(section, `${key} lists ${code}`).toContain(`\`${code}\``)
    }
    for (const s of sections) {
      expect(s).toContain('Request')
      expect(s).toContain('Response')
    }
  }, 120_000)
})

async function writeDocs(): Promise<void> {
  const parts: string[] = []
  for (const key of Object.keys(ROUTES) as RouteKey[]) {
    const t = await testServer()
    const c = cases[key]
    try {
      await c.setup?.(t)
      let last: { req: { method: string; path: string; body: unknown; auth: string | undefined }; status: number; body: unknown } | undefined
      recorder.on = (req, res) => {
        if (req.path.startsWith(ROUTES[key].path.split('/:')[0]!) && req.method === ROUTES[key].method) last = { req, status: res.status, body: res.body }
      }
      await c.ok(t)
      recorder.on = undefined
      const def = ROUTES[key]
      parts.push(`### \`${key}\`\n\n${def.summary}. Access: **${def.access}**.\n\n${def.errors ? `Errors: ${def.errors.map((c) => `\`${c}\``).join(', ')}.\n\n` : ''}Request:\n\n\`\`\`http\n${last?.req.method} ${last?.req.path}\n${last?.req.auth ? (last.req.auth.startsWith('cookie:') ? 'Cookie: plexa_session=...' : 'Authorization: Bearer plx_...') + '\n' : ''}${last?.req.body !== undefined ? `\n${trim(last.req.body)}` : ''}\n\`\`\`\n\nResponse \`${last?.status}\`:\n\n\`\`\`json\n${trim(last?.body)}\n\`\`\`\n`)
    } finally {
      recorder.on = undefined
      await t.close()
    }
  }
  const codes = Object.entries(HTTP_STATUS).map(([c, s]) => `| \`${c}\` | ${s} |`).join('\n')
  const doc = `# Plexa HTTP API

Generated from real calls against a real server by \`PLEXA_WRITE_DOCS=1 npx vitest run apps/server/test/apiDocs.test.ts\`;
the route table itself is \`packages/protocol/src/api.ts\` and every body is validated by the zod schemas in
\`packages/protocol/src/schemas.ts\` (unknown fields and wrong types are refused).

- **OpenAPI**: \`GET /api/openapi.json\` serves this API as an OpenAPI 3.1 document generated from the route
  table: every route with its path parameters, body, success answers (the zod schemas of
  \`packages/protocol/src/responses.ts\`, which type the server's handlers and the typed client) and the error
  codes each status carries. Feed it to an OpenAPI client generator or viewer.
- **Typed client**: TypeScript callers (the web, the CLI) use \`createClient\` of \`@plexa/protocol\`:
  \`const call = createClient({ baseUrl, token }); const r = await call('POST /api/dgs/:dg/plexes/:plex/det', { dg, plex }, { dryRun: true })\`
  types the parameters, the body and the answer from the route table and throws one \`ApiError\` (\`code\`, \`status\`).

- Base: \`http://127.0.0.1:8080/api\`. JSON in and out. Bodies are at most 1 MiB.
- Authentication: \`POST /api/session\` sets an HttpOnly, SameSite=Strict session cookie for browsers;
  scripts send \`Authorization: Bearer <token>\` (the first-start admin token is in \`DATA/admin-credential.txt\`;
  \`POST /api/tokens\` makes more). Access levels: **public**, **viewer** (any signed-in user),
  **admin**, **lab** (admin, and the server runs with \`--lab\` or \`--demo\` on a loopback address).
  A request without a session or token is refused \`VM_UNAUTHORIZED\` (401); a bearer token that matches
  none of the server's (revoked, or another data directory's) \`VM_TOKEN_REFUSED\` (401, rule 245).
- Browser mutations must come from the server's own Origin. Every request (pages, API, WebSocket) must
  name the server in its Host header: its bind address, \`localhost\` or a name given with
  \`--allowed-hosts\`; any other is refused \`VM_BAD_HOST\` (421), so a DNS-rebinding page cannot reach it.
- Logins are limited per user and source: 5 attempts a minute, counted before the password is checked,
  the window doubling after each lockout (\`VM_RATE_LIMITED\`, 429). A successful login also sets a
  \`plexa_device\` cookie; that browser's attempts are counted on their own, so a flood of bad logins from
  the same address does not lock its user out. At most 4 passwords are checked at once.
- The one-click login URL \`plexa serve --demo\` prints, \`GET /login?token=T\`: a one-time token (10 minutes,
  in memory only) that answers 303 to \`/\` with a session cookie for \`admin\` once; a second visit is refused
  \`VM_TOKEN_USED\` (410), a late one \`VM_TOKEN_EXPIRED\` (401), an unknown token \`VM_UNAUTHORIZED\` (401).
  A browser (a request that accepts \`text/html\`) is instead sent with 303 to the login page,
  \`/?reason=CODE\`, which says why (rule 168); API clients keep the JSON error.
  Pages are served with a \`Content-Security-Policy\` that names every directive (scripts from the
  server only: \`script-src 'self'\`, no inline script, no eval; rule 169).
  Sessions survive a restart (\`DATA/sessions.json\` keeps a sha256 of each, mode 0600) and still expire.
- Every mutating route takes \`"dryRun": true\` where it changes records or copies data: the answer then
  lists the record changes (\`changes\`) or the regions and bytes a copy would move, and nothing changes.
- Disks: adding or replacing one takes \`sizeBytes\` (a new sparse image file in the data directory) or an
  absolute \`path\` (an image file or block device, or an \`nbd://\` URL). A device that holds data (a non-zero byte
  in its first MiB, or a filesystem, partition table, LVM, RAID or another Plexa disk) is refused \`VM_HAS_DATA\`,
  saying what was found, unless \`"force": true\`; a dry run opens a path read-only. A failed add or replace
  leaves no file, descriptor or record behind.
- Long operations (attach, resyncs, verify, repair, plex cp/mv) answer \`202 {"accepted": true, "taskId"}\`;
  follow them on the WebSocket (\`task.progress\`, \`task.finished\`) or with \`GET /api/tasks\` and
  \`GET /api/tasks/:task/result\`.
- Every mutation (allowed or refused) is written to the append-only audit log (\`GET /api/audit\`,
  streamed as \`audit\` events) with its caller's address; passwords and tokens never are. An allowed
  mutation is written before it runs (\`"result": "pending"\`) and again with its result (same \`id\`); when
  that first line cannot be written (a full disk) it fails \`VM_AUDIT_FAILED\` (503) and changes nothing.
  Refusals of anonymous callers (failed logins among them) are logged 30 a minute per address; beyond
  that they are counted (\`"flood": true\` on the 30th, \`"suppressed": N\` on the next one logged).
  A dry run (\`"dryRun": true\`) changes nothing: like a \`GET\` it is a query, not audited and not
  streamed (a confirmation dialog's dry runs leave no line); one refused before its body is read (not
  logged in, a viewer, a bad origin) is logged as any refusal. Acknowledging an alert is one line of the
  event history, its audit entry; \`alert.acked\` still goes to the connected clients (rule 167).
- Errors: \`{"error": {"code": "VM_...", "message": "..."}}\` with the status below.

## WebSocket \`/ws\`

Authenticated by the session cookie or a bearer token, and its Origin must be the server's own.
The first frame is \`{"type": "hello", "protocol": 1, "seq": N, "snapshot": {...}, "user": {...}}\`; then
\`{"type": "event", "event": {"seq": N, "at": ms, "type": ...}}\` for every engine event
(\`config.committed\`, \`kstate.changed\`, \`io.error\`, \`alert\`, \`task.progress\`, \`task.finished\`, \`dg.state\`),
\`dg.maps\` (DRL dirty and stale regions when they change), \`audit\` and \`lab.*\` events.
An \`io.error\` carries, besides the engine's \`disk\` (every disk of the plex), \`failedDisks\`: the
disk(s) whose I/O failed (of the disks the failed range lies on, those known to fail it: failed
by the lab, without a device, removed; else every disk the range lies on).
Reconnect with \`/ws?lastSeq=N\` to get \`{"type": "resumed"}\` and exactly the events after N, or a fresh
\`hello\` when the server no longer has them. Send \`{"type": "ping"}\` for \`{"type": "pong"}\`. Frames are
at most 64 KiB; a client that stops reading is dropped.

## Metrics \`/metrics\`

Prometheus text format (prom-client), for Prometheus or anything that scrapes it. It needs a bearer token
of any role (\`Authorization: Bearer <token>\`; Prometheus: \`authorization: {credentials_file: ...}\`), or a
session cookie; without one it answers 401 \`VM_UNAUTHORIZED\`. Checked by \`promtool check metrics\` in the tests.

| metric | type | labels | what |
|---|---|---|---|
| \`plexa_volume_io_total\`, \`plexa_volume_io_bytes_total\` | counter | dg, volume, op | reads and writes served to NBD clients and the lab load |
| \`plexa_volume_io_seconds\` | histogram | dg, volume, op | their latency |
| \`plexa_plex_io_total\`, \`plexa_plex_io_bytes_total\` | counter | dg, volume, plex, op | I/O of each plex (volume I/O, resyncs, recovery) |
| \`plexa_kernel_state\` | gauge | dg, kind, name, state | 1 for the kernel state (ENABLED, DISABLED, DETACHED) a volume or plex is in, 0 for the others |
| \`plexa_state\` | gauge | dg, kind, name, state | 1 for the utility state (\`v_state\`, \`pl_state\`) it is in |
| \`plexa_disk_group_forced_offline\` | gauge | dg | 1 while a group is forced offline |
| \`plexa_plex_stale_regions\` | gauge | dg, plex | stale regions of each plex that has any |
| \`plexa_volume_dirty_regions\`, \`plexa_volume_recovery_bytes\` | gauge | dg, volume | DRL dirty regions, and the bytes a crash recovery would copy now |
| \`plexa_task_progress_ratio\`, \`plexa_task_done_bytes\`, \`plexa_task_rate_bytes_per_second\` | gauge | dg, task, kind, volume | each running task |
| \`plexa_resync_bytes_total\` | counter | dg, volume, kind | bytes copied by resync, attach, verify and repair tasks |
| \`plexa_nbd_connections\` | gauge | export | open NBD connections |
| \`plexa_websocket_clients\` | gauge | | connected WebSocket clients |
| \`plexa_alerts_total\` | counter | severity | alerts raised (warning, critical) |

## Error codes

Every failed request answers \`{"error": {"code": "VM_...", "message": "..."}}\`; where a caller can act
on more than the code, \`details\` says it: \`VM_MISSING_DISKS\` lists \`details.disks\` (each \`{disk, reason,
device?}\`, the disks of the group without a usable device), \`VM_BUSY\` at an import names
\`details.importedBy\`, the other host that has the group imported, and \`VM_INVALID_NAME\` gives
\`details.maxLength\`, the most characters the name may have there: a record's limit (14, or 31 in a
\`vxvm3\` group), or for \`POST /api/dgs/:dg/assist\` 3 fewer (11), because the volume's plexes are named
\`<volume>-01\`, ... (rule 271). The typed client's \`ApiError\` carries them as \`details\`.

| code | HTTP status |
|---|---|
${codes}

## Routes

${parts.join('\n')}`
  await writeFile(DOC, doc)
}
