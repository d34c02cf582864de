import { request } from 'node:http'
import { request as requestTls } from 'node:https'
import type { Transport } from '@plexa/protocol'

/**
 * The CLI's transport for the protocol client: node:http. Node 20's global fetch loads undici on
 * first use, about 0.12 s of CPU, more than the rest of a `plexa print`; node:http costs 0.01 s.
 */
export const httpTransport: Transport = (url, init) =>
  new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? requestTls : request)(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const status = res.statusCode ?? 0
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status, ok: status >= 200 && status < 300, text: async () => text })
      })
    })
    req.on('error', reject)
    req.end(init.body)
  })
