/**
 * Azure RBAC as ARM evaluates it for one request: a principal may perform an action at a resource
 * if some assignment to that principal covers the resource's scope (the assignment's scope is the
 * resource id or an ancestor) and lists a matching action (`*` wildcards) that no notAction removes.
 */
export interface GrantOptions {
  objectId: string
  /** `/subscriptions/<id>`, `/subscriptions/<id>/resourceGroups/<rg>`, a resource id, or `/`. */
  scope: string
  actions: string | string[]
  notActions?: string[]
}

interface Grant {
  objectId: string
  scope: string
  actions: RegExp[]
  notActions: RegExp[]
}

function normalizeScope(scope: string): string {
  const s = scope.trim().toLowerCase().replace(/\/+$/, '')
  return s === '' ? '/' : s
}

function pattern(action: string): RegExp {
  const escaped = action.split('*').map(p => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')
  return new RegExp(`^${escaped}$`, 'i')
}

export class Rbac {
  private readonly grants: Grant[] = []

  grant(g: GrantOptions): void {
    if (!g?.objectId || !g.scope) throw new Error('grant: objectId and scope are required')
    if (!g.scope.startsWith('/')) throw new Error(`grant: scope must start with '/', got '${g.scope}'`)
    const actions = Array.isArray(g.actions) ? g.actions : [g.actions]
    if (actions.length === 0 || actions.some(a => typeof a !== 'string' || !a)) throw new Error('grant: actions must be non-empty strings')
    this.grants.push({ objectId: g.objectId.toLowerCase(), scope: normalizeScope(g.scope), actions: actions.map(pattern), notActions: (g.notActions ?? []).map(pattern) })
  }

  /** Removes the principal's assignments (at one scope, or everywhere). */
  revoke(objectId: string, scope?: string): number {
    const oid = objectId.toLowerCase()
    const sc = scope === undefined ? undefined : normalizeScope(scope)
    let removed = 0
    for (let i = this.grants.length - 1; i >= 0; i--) {
      if (this.grants[i].objectId === oid && (sc === undefined || this.grants[i].scope === sc)) {
        this.grants.splice(i, 1)
        removed++
      }
    }
    return removed
  }

  allowed(objectId: string, action: string, resourceId: string): boolean {
    const oid = objectId.toLowerCase()
    const target = normalizeScope(resourceId)
    return this.grants.some(g => g.objectId === oid &&
      (g.scope === '/' || target === g.scope || target.startsWith(`${g.scope}/`)) &&
      g.actions.some(a => a.test(action)) && !g.notActions.some(n => n.test(action)))
  }
}
