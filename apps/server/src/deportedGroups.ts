import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The disk groups an administrator deported on this server and has not imported since, by disk
 * group id (`deported-groups.json` in the data directory): a restart leaves them deported, as
 * vxconfigd does not auto-import a deported group (rule 451), while a group whose disks were
 * brought from elsewhere is imported as before.
 */
export class DeportedGroups {
  private readonly file: string

  constructor(dataDir: string) {
    this.file = join(dataDir, 'deported-groups.json')
  }

  async ids(): Promise<string[]> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as string[]
    } catch {
      return []
    }
  }

  async remember(dgid: string): Promise<void> {
    const list = await this.ids()
    if (!list.includes(dgid)) await this.write([...list, dgid])
  }

  async forget(dgid: string): Promise<void> {
    const list = await this.ids()
    if (list.includes(dgid)) await this.write(list.filter((x) => x !== dgid))
  }

  /** Whole or not at all: a temporary file renamed over it. */
  private async write(list: string[]): Promise<void> {
    await writeFile(`${this.file}.tmp`, JSON.stringify(list, null, 2))
    await rename(`${this.file}.tmp`, this.file)
  }
}
