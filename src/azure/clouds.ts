/** Entra authority and Resource Manager endpoint of each Azure cloud, by azure/login's names. */
export const CLOUD_NAMES = ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const
export type CloudName = (typeof CLOUD_NAMES)[number]

const CLOUDS: Record<CloudName, { authorityHost: string; armEndpoint: string }> = {
  AzureCloud: { authorityHost: 'https://login.microsoftonline.com', armEndpoint: 'https://management.azure.com' },
  AzureUSGovernment: { authorityHost: 'https://login.microsoftonline.us', armEndpoint: 'https://management.usgovcloudapi.net' },
  AzureChinaCloud: { authorityHost: 'https://login.chinacloudapi.cn', armEndpoint: 'https://management.chinacloudapi.cn' }
}

export function cloudEndpoints(name: CloudName): { authorityHost: string; armEndpoint: string } {
  return CLOUDS[name]
}

/** Instance discovery only knows Microsoft's own hosts; an Azure Stack-like authority must skip it. */
export function isKnownAuthority(host: string): boolean {
  return Object.values(CLOUDS).some(cloud => cloud.authorityHost === host)
}
