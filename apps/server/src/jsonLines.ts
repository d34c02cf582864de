import { readFile } from 'node:fs/promises'

/**
 * The records of a JSON-lines journal, oldest first, with the byte length of each line; a missing
 * file is empty and a torn line (a crash, a full disk) is skipped.
 */
export async function readJsonLines<T>(file: string): Promise<{ records: { value: T; bytes: number }[]; bytes: number }> {
  let text = ''
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const records: { value: T; bytes: number }[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    try {
      records.push({ value: JSON.parse(line) as T, bytes: line.length + 1 })
    } catch {
      // a torn line
    }
  }
  return { records, bytes: Buffer.byteLength(text) }
}
