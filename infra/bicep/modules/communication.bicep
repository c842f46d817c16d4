// Azure Communication Services for SMS. The app authenticates with its managed identity (the access keys
// are never read), so it gets a role on this resource instead of a connection string.

@description('Communication Services resource name.')
param name string

@description('Where ACS stores data at rest, e.g. "Asia Pacific" for an Indonesian school.')
param dataLocation string

@description('Tags for the resource.')
param tags object

@description('Name of the app\'s user-assigned identity (in this resource group).')
param identityName string

// Which role sends SMS: ACS has no SMS-specific data-plane role; it authorizes an Entra ID caller by
// its role on the Communication Services resource (the ACS Entra ID quickstart grants Contributor). We
// assign the built-in "Communication and Email Service Owner" instead: it carries only
// Microsoft.Communication/* actions, including the read/write on communicationServices that the Entra ID
// send path checks (the same role Microsoft documents for Entra ID sending over ACS SMTP), whereas
// Contributor would allow any non-authorization action at this scope. It is scoped to this resource only.
// If a send is ever refused with 403 under this role, Contributor on this resource is the documented fallback.
var communicationAndEmailServiceOwnerRoleId = '09976791-48a7-449e-bb21-39d1a415f350'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: name
  // Communication Services is a global resource; dataLocation decides where the data lives.
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    // The access keys are never used: only Entra ID callers (the app identity) may send.
    disableLocalAuth: true
  }
}

resource smsSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acs.id, appIdentity.id, communicationAndEmailServiceOwnerRoleId)
  scope: acs
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwnerRoleId)
  }
}

output id string = acs.id
output name string = acs.name
output endpoint string = 'https://${acs.properties.hostName}'
