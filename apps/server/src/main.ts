// `plexa serve` / `npm start`: the only module with side effects.
import { serve } from './serve.ts'

serve(process.argv.slice(2))
