import type { Socket } from 'node:net'
import type { BlockDevice, DiskGroup } from '@plexa/engine'
import { nbdProtocol } from '@plexa/engine'
import type { NbdTls } from './tls.ts'

const { FLAG_C_NO_ZEROES, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, INFO, MAX_REQUEST, OPT, OPTION_HEADER, REP, TFLAG, encodeHello, encodeInfoExport, encodeOptionReply, parseGoData, parseOption } = nbdProtocol

/** What an export needs of its disk group: the group's name and a started volume as a block device. */
export type VolumeSource = Pick<DiskGroup, 'name' | 'volumeDevice'>

/** One export: a started volume, read-only or not. */
export interface NbdExport {
  dg: VolumeSource
  volume: string
  readOnly?: boolean
}

/** Where exports come from: the started volumes the administrator exports, by name. */
export interface ExportSource {
  /** Export name -> its group and volume. */
  exports(): Map<string, NbdExport>
}

/** The export a client chose, with the volume it serves. */
export interface ChosenExport extends NbdExport {
  name: string
  device: BlockDevice
}

/** The NBD protocol's "TLS required" option reply (not in the engine's client constants). */
const REP_ERR_TLS_REQD = 0x80000005

/** One connection during option haggling; `upgrade` switches `io` to TLS (NBD_OPT_STARTTLS). */
export interface Haggling {
  readonly io: Socket
  readonly tls: boolean
  /** Exactly `n` more bytes from the client; throws once the connection closed. */
  need(n: number): Promise<Buffer>
  upgrade(): Promise<void>
}

function flags(e: NbdExport): number {
  return TFLAG.HAS_FLAGS | TFLAG.SEND_FLUSH | TFLAG.SEND_FUA | TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES | (e.readOnly ? TFLAG.READ_ONLY : 0)
}

function chosen(name: string, e: NbdExport): ChosenExport {
  return { name, ...e, device: e.dg.volumeDevice(e.volume) }
}

/**
 * The fixed-newstyle handshake: the greeting, the client's flags, then option haggling. Resolves
 * with the export to serve, or undefined when the client aborts; throws where the protocol's only
 * answer is to close the connection.
 */
export async function handshake(c: Haggling, source: ExportSource, tls: NbdTls | undefined): Promise<ChosenExport | undefined> {
  c.io.write(encodeHello(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
  const noZeroes = ((await c.need(4)).readUInt32BE(0) & FLAG_C_NO_ZEROES) !== 0
  for (let count = 0; count < 64; count++) {
    const sock = c.io
    const reply = (opt: number, type: number, data?: Buffer) => sock.write(encodeOptionReply(opt, type, data))
    const head = parseOption(await c.need(OPTION_HEADER))
    if (!head) throw new Error('bad option magic')
    const { opt, length: len } = head
    if (len > 65536) {
      // refuse without reading an absurd payload
      reply(opt, REP.ERR_TOO_BIG)
      throw new Error('option too long')
    }
    const data = len ? await c.need(len) : Buffer.alloc(0)
    if (opt === OPT.STARTTLS) {
      if (!tls) reply(opt, REP.ERR_UNSUP)
      else if (c.tls || len !== 0) reply(opt, REP.ERR_INVALID)
      else {
        reply(opt, REP.ACK)
        await c.upgrade()
      }
      continue
    }
    if (tls?.mode === 'require' && !c.tls && opt !== OPT.ABORT) {
      // the old-style EXPORT_NAME has no error reply: the connection closes
      if (opt === OPT.EXPORT_NAME) throw new Error('TLS is required')
      reply(opt, REP_ERR_TLS_REQD, Buffer.from('this server requires TLS (NBD_OPT_STARTTLS)'))
      continue
    }
    const exports = source.exports()
    switch (opt) {
      case OPT.EXPORT_NAME: {
        const name = data.toString('utf8')
        const e = exports.get(name)
        if (!e) throw new Error(`unknown export ${name}`) // the protocol's only answer: close
        const out = chosen(name, e)
        const b = Buffer.alloc(noZeroes ? 10 : 134)
        b.writeBigUInt64BE(BigInt(out.device.size), 0)
        b.writeUInt16BE(flags(e), 8)
        sock.write(b)
        return out
      }
      case OPT.ABORT:
        reply(opt, REP.ACK)
        return undefined
      case OPT.LIST: {
        if (len !== 0) {
          reply(opt, REP.ERR_INVALID)
          break
        }
        for (const name of exports.keys()) {
          const n = Buffer.from(name)
          const d = Buffer.alloc(4 + n.length)
          d.writeUInt32BE(n.length, 0)
          n.copy(d, 4)
          reply(opt, REP.SERVER, d)
        }
        reply(opt, REP.ACK)
        break
      }
      case OPT.INFO:
      case OPT.GO: {
        const name = parseGoData(data)
        if (name === undefined) {
          reply(opt, REP.ERR_INVALID)
          break
        }
        const e = exports.get(name)
        if (!e) {
          reply(opt, REP.ERR_UNKNOWN, Buffer.from(`no started volume named ${name}`))
          break
        }
        const out = chosen(name, e)
        reply(opt, REP.INFO, encodeInfoExport(out.device.size, flags(e)))
        const bs = Buffer.alloc(14)
        bs.writeUInt16BE(INFO.BLOCK_SIZE, 0)
        bs.writeUInt32BE(512, 2)
        bs.writeUInt32BE(4096, 6)
        bs.writeUInt32BE(MAX_REQUEST, 10)
        reply(opt, REP.INFO, bs)
        reply(opt, REP.ACK)
        if (opt === OPT.GO) return out
        break
      }
      default:
        // structured replies, meta contexts and anything unknown
        reply(opt, REP.ERR_UNSUP)
    }
  }
  throw new Error('too many options')
}
