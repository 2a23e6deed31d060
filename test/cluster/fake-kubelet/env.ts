/**
 * Container environment resolution, following kubelet's makeEnvironmentVariables
 * (pkg/kubelet/kubelet_pods.go, Kubernetes v1.37) and its `$(VAR)` expansion
 * (third_party/forked/golang/expansion). Pure: the caller fetches the referenced
 * ConfigMaps and Secrets first, so the rules can be unit-tested without a cluster.
 */
import type { V1ConfigMap, V1Container, V1EnvVar, V1ObjectFieldSelector, V1Pod, V1Secret } from '@kubernetes/client-node'

export interface EnvLookups {
  /** undefined means the API answered 404 for it. */
  configMap(name: string): V1ConfigMap | undefined
  secret(name: string): V1Secret | undefined
  podIP: string
  hostIP: string
}

export type EnvResult = { ok: true; env: Record<string, string> } | { ok: false; message: string }

/** Failures that kubelet reports as the container's CreateContainerConfigError message. */
class EnvError extends Error {}

export function resolveEnv(pod: V1Pod, container: V1Container, lookups: EnvLookups): EnvResult {
  try {
    const env: Record<string, string> = {}
    applyEnvFrom(container, lookups, env)
    applyEnv(pod, container, lookups, env)
    return { ok: true, env }
  } catch (err) {
    if (err instanceof EnvError) return { ok: false, message: err.message }
    throw err
  }
}

/** Names of the ConfigMaps and Secrets a container's environment refers to, so they can be fetched up front. */
export function referencedObjects(container: V1Container): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>()
  const secrets = new Set<string>()
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) configMaps.add(source.configMapRef.name ?? '')
    else if (source.secretRef) secrets.add(source.secretRef.name ?? '')
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom
    if (from?.configMapKeyRef) configMaps.add(from.configMapKeyRef.name ?? '')
    if (from?.secretKeyRef) secrets.add(from.secretKeyRef.name ?? '')
  }
  return { configMaps, secrets }
}

// kubelet v1.37 copies every envFrom key unchecked: since RelaxedEnvironmentVariableValidation went GA
// (1.34) any valid ConfigMap/Secret key plus a validated prefix is a valid variable name, so the old
// "skip invalid names + InvalidEnvironmentVariableNames event" branch no longer exists.
function applyEnvFrom(container: V1Container, lookups: EnvLookups, env: Record<string, string>): void {
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? ''
    if (source.configMapRef) {
      const ref = source.configMapRef
      const configMap = getConfigMap(lookups, ref.name ?? '', ref.optional === true)
      for (const [key, value] of Object.entries(configMap?.data ?? {})) env[prefix + key] = value
    } else if (source.secretRef) {
      const ref = source.secretRef
      const secret = getSecret(lookups, ref.name ?? '', ref.optional === true)
      for (const [key, value] of Object.entries(secret?.data ?? {})) env[prefix + key] = decodeSecretValue(value)
    }
  }
}

function applyEnv(pod: V1Pod, container: V1Container, lookups: EnvLookups, env: Record<string, string>): void {
  // Lookups see `env` as it grows, exactly like kubelet's mapping over its tmpEnv map.
  const lookup = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined)
  for (const variable of container.env ?? []) {
    const value = variableValue(pod, variable, lookups, lookup)
    if (value !== undefined) env[variable.name] = value
  }
}

/** undefined: an optional reference that is missing, so the variable is left out. */
function variableValue(pod: V1Pod, variable: V1EnvVar, lookups: EnvLookups, lookup: (name: string) => string | undefined): string | undefined {
  const namespace = pod.metadata?.namespace ?? ''
  if (variable.value) return expandVars(variable.value, lookup)
  const from = variable.valueFrom
  if (!from) return ''
  if (from.fieldRef) return fieldRefValue(pod, from.fieldRef, lookups)
  if (from.configMapKeyRef) {
    const { name = '', key, optional } = from.configMapKeyRef
    const configMap = getConfigMap(lookups, name, optional === true)
    if (!configMap) return undefined
    const value = configMap.data?.[key]
    if (value !== undefined) return value
    if (optional) return undefined
    throw new EnvError(`couldn't find key ${key} in ConfigMap ${namespace}/${name}`)
  }
  if (from.secretKeyRef) {
    const { name = '', key, optional } = from.secretKeyRef
    const secret = getSecret(lookups, name, optional === true)
    if (!secret) return undefined
    const value = secret.data?.[key]
    if (value !== undefined) return decodeSecretValue(value)
    if (optional) return undefined
    throw new EnvError(`couldn't find key ${key} in Secret ${namespace}/${name}`)
  }
  // Better a loud failure than a silently wrong environment for sources this stand-in does not model.
  const kind = from.resourceFieldRef ? 'resourceFieldRef' : 'this valueFrom source'
  throw new EnvError(`fake-kubelet does not support ${kind} (env ${variable.name})`)
}

function getConfigMap(lookups: EnvLookups, name: string, optional: boolean): V1ConfigMap | undefined {
  const configMap = lookups.configMap(name)
  // kubelet's message is the apiserver-style NotFound of its configmap manager.
  if (!configMap && !optional) throw new EnvError(`configmap "${name}" not found`)
  return configMap
}

function getSecret(lookups: EnvLookups, name: string, optional: boolean): V1Secret | undefined {
  const secret = lookups.secret(name)
  if (!secret && !optional) throw new EnvError(`secret "${name}" not found`)
  return secret
}

function decodeSecretValue(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8')
}

const LABEL_OR_ANNOTATION = /^metadata\.(labels|annotations)\['(.*)'\]$/

function fieldRefValue(pod: V1Pod, selector: V1ObjectFieldSelector, lookups: EnvLookups): string {
  const path = selector.fieldPath
  const keyed = LABEL_OR_ANNOTATION.exec(path)
  if (keyed) {
    const map = keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations
    return map?.[keyed[2]] ?? ''
  }
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? ''
    case 'metadata.namespace': return pod.metadata?.namespace ?? ''
    case 'metadata.uid': return pod.metadata?.uid ?? ''
    case 'metadata.labels': return formatMap(pod.metadata?.labels)
    case 'metadata.annotations': return formatMap(pod.metadata?.annotations)
    case 'spec.nodeName': return pod.spec?.nodeName ?? ''
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? ''
    case 'status.hostIP':
    case 'status.hostIPs': return lookups.hostIP
    case 'status.podIP':
    case 'status.podIPs': return lookups.podIP
  }
  throw new EnvError(`unsupported fieldPath: ${path}`)
}

/** fieldpath.FormatMap: sorted `key="value"` lines. */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {}).sort().map((key) => `${key}=${JSON.stringify(map![key])}`).join('\n')
}

/**
 * kubelet's expansion.Expand: `$(NAME)` becomes NAME's value when defined and stays literal when
 * not; `$$` is an escaped `$`; any other `$` is kept as is, as is an unterminated `$(`.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = ''
  let checkpoint = 0
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue
    out += input.slice(checkpoint, cursor)
    const { text, advance } = readReference(input.slice(cursor + 1), lookup)
    out += text
    cursor += advance
    checkpoint = cursor + 1
  }
  return out + input.slice(checkpoint)
}

function readReference(rest: string, lookup: (name: string) => string | undefined): { text: string; advance: number } {
  if (rest[0] === '$') return { text: '$', advance: 1 }
  if (rest[0] !== '(') return { text: '$' + rest[0], advance: 1 }
  const close = rest.indexOf(')', 1)
  if (close < 0) return { text: '$(', advance: 1 }
  const name = rest.slice(1, close)
  return { text: lookup(name) ?? `$(${name})`, advance: close + 1 }
}
