import { config } from 'zod'

/**
 * In a browser the console runs under the server's Content-Security-Policy, which allows no eval
 * (`script-src 'self'`): zod's one `new Function` probe, made as its object schemas are built to
 * decide whether to compile their parsers, would be reported as a CSP violation on every page
 * load. There the parsers run interpreted either way; `jitless` skips the probe (rule 169). The
 * server and the CLI keep the compiled parsers. Imported first by index.ts, before any schema.
 */
if ('document' in globalThis) config({ jitless: true })
