/** NBD wire constants (the NBD protocol document, fixed newstyle), shared by the remote-disk client and the export server. */
export const NBDMAGIC = 0x4e42444d41474943n
export const IHAVEOPT = 0x49484156454f5054n
export const REPLY_MAGIC = 0x3e889045565a9n
export const REQUEST_MAGIC = 0x25609513
export const SIMPLE_REPLY_MAGIC = 0x67446698

export const FLAG_FIXED_NEWSTYLE = 1
export const FLAG_NO_ZEROES = 2
export const FLAG_C_FIXED_NEWSTYLE = 1
export const FLAG_C_NO_ZEROES = 2

export const OPT = { EXPORT_NAME: 1, ABORT: 2, LIST: 3, STARTTLS: 5, INFO: 6, GO: 7, STRUCTURED_REPLY: 8, LIST_META_CONTEXT: 9, SET_META_CONTEXT: 10 } as const
export const REP = { ACK: 1, SERVER: 2, INFO: 3, ERR_UNSUP: 0x80000001, ERR_POLICY: 0x80000002, ERR_INVALID: 0x80000003, ERR_UNKNOWN: 0x80000006, ERR_TOO_BIG: 0x80000009 } as const
export const INFO = { EXPORT: 0, NAME: 1, DESCRIPTION: 2, BLOCK_SIZE: 3 } as const

export const TFLAG = { HAS_FLAGS: 1, READ_ONLY: 2, SEND_FLUSH: 4, SEND_FUA: 8, ROTATIONAL: 16, SEND_TRIM: 32, SEND_WRITE_ZEROES: 64, SEND_DF: 128, CAN_MULTI_CONN: 256 } as const
export const CMD = { READ: 0, WRITE: 1, DISC: 2, FLUSH: 3, TRIM: 4, CACHE: 5, WRITE_ZEROES: 6, BLOCK_STATUS: 7 } as const
export const CMD_FLAG = { FUA: 1, NO_HOLE: 2 } as const
export const ERR = { EPERM: 1, EIO: 5, ENOMEM: 12, EINVAL: 22, ENOSPC: 28, EOVERFLOW: 75, ENOTSUP: 95, ESHUTDOWN: 108 } as const

/** Largest request payload we accept (and advertise as the maximum block size). */
export const MAX_REQUEST = 32 << 20

// Wire encoding, one function per message, shared by the client device (nbdDevice.ts) and the
// server (apps/server/src/nbd). Numbers are bytes; 64-bit fields above 2^53 are not exact.

/** The server's greeting: NBDMAGIC, IHAVEOPT and its handshake flags (18 bytes). */
export function encodeHello(flags: number): Buffer {
  const b = Buffer.alloc(18)
  b.writeBigUInt64BE(NBDMAGIC, 0)
  b.writeBigUInt64BE(IHAVEOPT, 8)
  b.writeUInt16BE(flags, 16)
  return b
}

/** A greeting's handshake flags, or undefined when it is not fixed newstyle. */
export function parseHello(b: Buffer): number | undefined {
  return b.readBigUInt64BE(0) === NBDMAGIC && b.readBigUInt64BE(8) === IHAVEOPT ? b.readUInt16BE(16) : undefined
}

/** Length of an option request's header, and of an option reply's. */
export const OPTION_HEADER = 16
export const OPTION_REPLY_HEADER = 20

/** A client's option request: IHAVEOPT, the option, its data's length, then the data. */
export function encodeOption(opt: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_HEADER + data.length)
  b.writeBigUInt64BE(IHAVEOPT, 0)
  b.writeUInt32BE(opt, 8)
  b.writeUInt32BE(data.length, 12)
  b.set(data, OPTION_HEADER)
  return b
}

/** An option request's header; undefined when its magic is wrong. */
export function parseOption(b: Buffer): { opt: number; length: number } | undefined {
  return b.readBigUInt64BE(0) === IHAVEOPT ? { opt: b.readUInt32BE(8), length: b.readUInt32BE(12) } : undefined
}

/** The data of NBD_OPT_INFO and NBD_OPT_GO: the export name and no information requests. */
export function encodeGoData(name: string): Buffer {
  const n = Buffer.from(name)
  const b = Buffer.alloc(4 + n.length + 2)
  b.writeUInt32BE(n.length, 0)
  n.copy(b, 4)
  return b
}

/** The export name in NBD_OPT_INFO or NBD_OPT_GO data; undefined when the data is malformed. */
export function parseGoData(data: Buffer): string | undefined {
  if (data.length < 6) return undefined
  const nameLen = data.readUInt32BE(0)
  if (4 + nameLen + 2 > data.length) return undefined
  return data.subarray(4, 4 + nameLen).toString('utf8')
}

/** A server's option reply: REPLY_MAGIC, the option, the reply type, its data's length, the data. */
export function encodeOptionReply(opt: number, type: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_REPLY_HEADER + data.length)
  b.writeBigUInt64BE(REPLY_MAGIC, 0)
  b.writeUInt32BE(opt, 8)
  b.writeUInt32BE(type >>> 0, 12)
  b.writeUInt32BE(data.length, 16)
  b.set(data, OPTION_REPLY_HEADER)
  return b
}

/** An option reply's header; undefined when its magic is wrong. */
export function parseOptionReply(b: Buffer): { opt: number; type: number; length: number } | undefined {
  return b.readBigUInt64BE(0) === REPLY_MAGIC ? { opt: b.readUInt32BE(8), type: b.readUInt32BE(12), length: b.readUInt32BE(16) } : undefined
}

/** NBD_INFO_EXPORT: the export's size in bytes and its transmission flags. */
export function encodeInfoExport(size: number, flags: number): Buffer {
  const b = Buffer.alloc(12)
  b.writeUInt16BE(INFO.EXPORT, 0)
  b.writeBigUInt64BE(BigInt(size), 2)
  b.writeUInt16BE(flags, 10)
  return b
}

/** An NBD_REP_INFO's NBD_INFO_EXPORT; undefined for another kind of information. */
export function parseInfoExport(data: Buffer): { size: number; flags: number } | undefined {
  return data.length >= 12 && data.readUInt16BE(0) === INFO.EXPORT ? { size: Number(data.readBigUInt64BE(2)), flags: data.readUInt16BE(10) } : undefined
}

/** Length of a transmission request's header, and of a simple reply. */
export const REQUEST_HEADER = 28
export const SIMPLE_REPLY = 16

/** A transmission request's header (a write's payload follows it). */
export interface NbdRequest {
  flags: number
  type: number
  handle: bigint
  offset: number
  length: number
}

export function encodeRequest(r: NbdRequest): Buffer {
  const b = Buffer.alloc(REQUEST_HEADER)
  b.writeUInt32BE(REQUEST_MAGIC, 0)
  b.writeUInt16BE(r.flags, 4)
  b.writeUInt16BE(r.type, 6)
  b.writeBigUInt64BE(r.handle, 8)
  b.writeBigUInt64BE(BigInt(r.offset), 16)
  b.writeUInt32BE(r.length, 24)
  return b
}

/**
 * A request header as the server parses it: the handle as its high and low 32 bits, which the
 * reply copies back, and the offset as a number (past 2^53 it is no safe integer, which the volume
 * refuses VM_INVALID_PARAM): no BigInt is made per request.
 */
export interface ParsedRequest {
  flags: number
  type: number
  handleHi: number
  handleLo: number
  offset: number
  length: number
}

/** The request header at the start of `b`; undefined when its magic is wrong. */
export function parseRequest(b: Buffer): ParsedRequest | undefined {
  if (b.readUInt32BE(0) !== REQUEST_MAGIC) return undefined
  return { flags: b.readUInt16BE(4), type: b.readUInt16BE(6), handleHi: b.readUInt32BE(8), handleLo: b.readUInt32BE(12), offset: b.readUInt32BE(16) * 2 ** 32 + b.readUInt32BE(20), length: b.readUInt32BE(24) }
}

/** A simple reply: its error (0 for success) and the request's handle; a read's data follows it. */
export function encodeSimpleReply(err: number, r: ParsedRequest): Buffer {
  return writeSimpleReply(Buffer.allocUnsafe(SIMPLE_REPLY), err, r)
}

/**
 * Writes a simple reply's header into the first SIMPLE_REPLY bytes of `frame` and returns it: a
 * read's reply frame, whose data already follows, leaves in one piece.
 */
export function writeSimpleReply(frame: Buffer, err: number, r: ParsedRequest): Buffer {
  frame.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0)
  frame.writeUInt32BE(err, 4)
  frame.writeUInt32BE(r.handleHi, 8)
  frame.writeUInt32BE(r.handleLo, 12)
  return frame
}

/** A simple reply's error and handle; undefined when its magic is wrong. */
export function parseSimpleReply(b: Buffer): { err: number; handle: bigint } | undefined {
  return b.readUInt32BE(0) === SIMPLE_REPLY_MAGIC ? { err: b.readUInt32BE(4), handle: b.readBigUInt64BE(8) } : undefined
}
