import { run } from './main.js'

await run()
// Work the failure made moot (a mint beside a failed cluster check) must not print after the error.
process.exit()
