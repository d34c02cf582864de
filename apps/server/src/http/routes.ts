import type { Handlers } from './handler.ts'
import { diskRoutes } from './routes/disks.ts'
import { historyRoutes } from './routes/history.ts'
import { importRoutes } from './routes/imports.ts'
import { labRoutes } from './routes/lab.ts'
import { operationRoutes } from './routes/operations.ts'
import { plexRoutes } from './routes/plexes.ts'
import { recordRoutes } from './routes/records.ts'
import { sessionRoutes } from './routes/session.ts'
import { systemRoutes } from './routes/system.ts'
import { taskRoutes } from './routes/tasks.ts'
import { volumeRoutes } from './routes/volumes.ts'

export type { Ctx, Handlers, Reply } from './handler.ts'

/** The route table, one module per area (`routes/`); the typecheck says every route has its handler. */
export const handlers: Handlers = {
  ...systemRoutes,
  ...sessionRoutes,
  ...taskRoutes,
  ...historyRoutes,
  ...recordRoutes,
  ...diskRoutes,
  ...importRoutes,
  ...plexRoutes,
  ...volumeRoutes,
  ...operationRoutes,
  ...labRoutes,
}
