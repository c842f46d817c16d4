// The one identity the function app runs as. It is user-assigned (not system-assigned) so that the role
// assignments and the Key Vault references can be created before the app exists, and so that the same
// client id can be written into the app's settings (AzureWebJobsStorage__clientId, Graph__ClientId).

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags for the resource.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
