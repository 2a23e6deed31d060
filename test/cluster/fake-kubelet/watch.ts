/**
 * List-then-watch of all pods, the way client-go's reflector does it: watch from the list's
 * resourceVersion, resume from the last seen version after a dropped connection, relist on 410 Gone.
 */
import type { CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node'
import { Watch } from '@kubernetes/client-node'
import { errorText, httpStatus } from './api.js'
import { sleep } from './timing.js'

export interface PodHandlers {
  /** The complete current set, after every (re)list. */
  replaceAll(pods: V1Pod[]): void
  upsert(pod: V1Pod): void
  remove(pod: V1Pod): void
}

type WatchOutcome = { resume: string } | { relist: true }

/** The server ends each watch before client-node's 30 s inactivity timeout would abort it. */
const WATCH_TIMEOUT_SECONDS = 20
const RETRY_MS = { first: 200, max: 5000 }

export class PodWatcher {
  private readonly stopping = new AbortController()
  private readonly watch: Watch
  private current?: AbortController
  private loop?: Promise<void>

  constructor(kubeConfig: KubeConfig, private readonly core: CoreV1Api, private readonly handlers: PodHandlers,
    private readonly log: (line: string) => void) {
    this.watch = new Watch(kubeConfig)
  }

  /** Resolves once the first list has been handed over, so callers start from a known state. */
  async start(): Promise<void> {
    const first = await this.list()
    this.loop = this.run(first)
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    this.current?.abort()
    await this.loop
  }

  private async list(): Promise<string> {
    const list = await this.core.listPodForAllNamespaces()
    this.handlers.replaceAll(list.items)
    return list.metadata?.resourceVersion ?? ''
  }

  private async run(resourceVersion: string): Promise<void> {
    let retryMs = RETRY_MS.first
    let version: string | undefined = resourceVersion
    while (!this.stopping.signal.aborted) {
      try {
        version ??= await this.list()
        const outcome = await this.watchOnce(version)
        version = 'resume' in outcome ? outcome.resume : undefined
        retryMs = RETRY_MS.first
      } catch (err) {
        if (this.stopping.signal.aborted) return
        this.log(`pod watch failed, retrying in ${retryMs} ms: ${errorText(err)}`)
        if (httpStatus(err) === 410) version = undefined
        await sleep(retryMs, this.stopping.signal)
        retryMs = Math.min(retryMs * 2, RETRY_MS.max)
      }
    }
  }

  /** One watch request; resolves when the server or the network ends it. */
  private watchOnce(resourceVersion: string): Promise<WatchOutcome> {
    return new Promise((resolve, reject) => {
      let latest = resourceVersion
      let expired = false
      const onEvent = (type: string, object: V1Pod & { code?: number; message?: string }) => {
        if (type === 'ERROR') {
          if (object.code === 410) expired = true
          else this.log(`pod watch error event: ${object.message}`)
          return
        }
        latest = object.metadata?.resourceVersion ?? latest
        if (type === 'ADDED' || type === 'MODIFIED') this.handlers.upsert(object)
        else if (type === 'DELETED') this.handlers.remove(object)
      }
      const onDone = (err: unknown) => {
        if (expired) resolve({ relist: true })
        else if (err && !this.stopping.signal.aborted) reject(err)
        else resolve({ resume: latest })
      }
      const query = { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS }
      this.watch.watch('/api/v1/pods', query, onEvent, onDone).then((controller) => {
        this.current = controller
        if (this.stopping.signal.aborted) controller.abort()
      }, onDone)
    })
  }
}
