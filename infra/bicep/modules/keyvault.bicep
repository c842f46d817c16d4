// Key Vault in RBAC mode for the secrets the app needs: the link-signing key, the platform key, the
// Messaging Connect partner's key and the Entra ID client secret of App Service Authentication. The app
// (and the platform, for the client secret) reads them through Key Vault references in its settings, so no
// value is ever stored in the site configuration.

@description('Key Vault name (3-24 characters).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Name of the app\'s user-assigned identity (in this resource group).')
param identityName string

@description('Base64 link-signing key (at least 32 bytes decoded).')
@secure()
param linksSigningKey string

@description('API key of the Messaging Connect partner; empty when no partner route is configured yet.')
@secure()
param messagingConnectApiKey string

@description('The platform key (Admin__ApiKey).')
@secure()
param adminApiKey string

@description('Client secret of the Entra ID app registration; empty keeps what an earlier deployment stored.')
@secure()
param entraClientSecret string

var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var hasMessagingConnectKey = !empty(messagingConnectApiKey)
var entraClientSecretName = 'Auth--EntraClientSecret'

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// Secret names cannot contain underscores, so the settings' double underscore becomes a dash.
resource signingKey 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'Links--SigningKey'
  properties: {
    value: linksSigningKey
    contentType: 'base64'
  }
}

resource partnerKey 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (hasMessagingConnectKey) {
  parent: vault
  name: 'Sms--Acs--MessagingConnect--ApiKey'
  properties: {
    value: messagingConnectApiKey
  }
}

resource platformKey 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: 'Admin--ApiKey'
  properties: {
    value: adminApiKey
  }
}

resource entraSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = if (!empty(entraClientSecret)) {
  parent: vault
  name: entraClientSecretName
  properties: {
    value: entraClientSecret
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
  }
}

output name string = vault.name
// Version-less URIs: a rotated secret reaches the app without a redeployment.
output signingKeySecretUri string = signingKey.properties.secretUri
output messagingConnectApiKeySecretUri string = hasMessagingConnectKey ? partnerKey!.properties.secretUri : ''
output adminApiKeySecretUri string = platformKey.properties.secretUri
// Built from the vault's URI rather than the secret resource, so a deployment that does not pass the
// secret again keeps referring to the one stored before.
output entraClientSecretUri string = '${vault.properties.vaultUri}secrets/${entraClientSecretName}'
