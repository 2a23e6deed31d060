/** The pull-request preview life cycle, loaded as one piece only when one of its commands runs. */
export { preview } from './preview.js'
export { prune } from './prune.js'
export { teardown } from './teardown.js'
