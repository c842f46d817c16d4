// BkOutreach in one resource group: function app (Flex Consumption), storage, monitoring, Communication
// Services, Key Vault, App Service Authentication (Entra ID) and the Event Grid subscription for SMS and WhatsApp events.
// No key or connection string with a key ends up in the app's settings: every connection uses the
// user-assigned managed identity, and the secrets the app needs are Key Vault references.

targetScope = 'resourceGroup'

@description('Azure region for everything except the global resources (Communication Services, Event Grid system topic).')
param location string = resourceGroup().location

@description('Short lowercase prefix for resource names (letters and digits, 2-10 characters).')
@minLength(2)
@maxLength(10)
param namePrefix string

@description('Tags put on every resource, e.g. the school or foundation the deployment serves.')
param tags object = {}

@description('Where Communication Services stores data at rest ("Asia Pacific" keeps Indonesian data in the region).')
@allowed([
  'Africa'
  'Asia Pacific'
  'Australia'
  'Brazil'
  'Canada'
  'Europe'
  'France'
  'Germany'
  'India'
  'Japan'
  'Korea'
  'Norway'
  'Switzerland'
  'UAE'
  'UK'
  'United States'
])
param acsDataLocation string = 'Asia Pacific'

@description('Upper bound of Flex Consumption instances (40-1000). The SMS rate limit, not this, bounds sending.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance in MB; 2048 is the Flex Consumption default.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Public base URL put into SMS links and feeds (Links__BaseUrl); empty means https://<app>.azurewebsites.net.')
param linksBaseUrl string = ''

@description('Secret for link tokens: base64 of at least 32 random bytes (Links__SigningKey). Stored in Key Vault.')
@secure()
@minLength(44)
param linksSigningKey string

@description('SMS sender (Sms__Acs__From): the number or sender id registered for the school.')
param smsFrom string

@description('Messaging Connect partner (Sms__Acs__MessagingConnect__Partner); needed to reach +62 numbers. Empty: no partner route.')
param messagingConnectPartner string = ''

@description('API key of the Messaging Connect partner. Stored in Key Vault; required when a partner is set.')
@secure()
param messagingConnectApiKey string = ''

@description('Sender throughput in messages a minute (Sms__MaxPerMinute); take it from the partner contract.')
@minValue(1)
param smsMaxPerMinute int = 600

@description('Sync bookings to counsellors\' Microsoft 365 calendars (Graph__Enabled). Needs the manual Graph permission step.')
param graphEnabled bool = false

@description('Microsoft Graph base URL including the version (Graph__BaseUrl).')
param graphBaseUrl string = 'https://graph.microsoft.com/v1.0'

@description('The platform key (Admin__ApiKey): every school, for deployment scripts and the Event Grid webhook. At least 32 characters; stored in Key Vault, read by reference.')
@secure()
@minLength(32)
param adminApiKey string

@description('Emails of platform admins (Auth__PlatformAdmins, comma-separated): every school, signed in with Entra ID.')
param platformAdmins string = ''

@description('Application (client) id of the Entra ID app registration staff sign in with (App Service Authentication). Empty: no staff sign-in yet, only the platform key.')
param entraClientId string = ''

@description('Directory (tenant) id of that app registration (the school\'s or foundation\'s Microsoft 365 tenant); empty: this deployment\'s tenant.')
param entraTenantId string = ''

@description('Client secret of that app registration. Stored in Key Vault and read by reference; empty keeps the one stored by an earlier deployment.')
@secure()
param entraClientSecret string = ''

@description('ACS channel registration id of the school\'s WhatsApp Business number (WhatsApp__ChannelRegistrationId), from the Azure portal after the one-time Meta connection. Empty: WhatsApp off, SMS only.')
param whatsAppChannelRegistrationId string = ''

@description('Minutes a WhatsApp message may stay undelivered before the guardian gets one SMS instead (WhatsApp__FallbackAfterMinutes).')
@minValue(1)
param whatsAppFallbackAfterMinutes int = 240

@description('Approved WhatsApp template names per message template and language: { outreach: { id: \'bk_outreach_id\', en: \'bk_outreach_en\' }, … } (WhatsApp__Templates__{template}__{language}).')
param whatsAppTemplates object = {}

@description('Create the Event Grid webhook subscription for SMS and WhatsApp events; set true once the app code is published.')
param subscribeToAcsEvents bool = false

var suffix = uniqueString(resourceGroup().id)
var appName = '${namePrefix}-func-${suffix}'
var identityName = '${namePrefix}-id-${suffix}'
var acsName = '${namePrefix}-acs-${suffix}'
var storageName = take(toLower('${namePrefix}st${suffix}'), 24)
var keyVaultName = take('${namePrefix}-kv-${suffix}', 24)
var deploymentContainerName = 'app-package-${take(suffix, 8)}'
var resourceTags = union(tags, { application: 'bkoutreach' })

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: resourceTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  // The role assignments read the identity's principal id, so it must exist first.
  dependsOn: [
    identity
  ]
  params: {
    workspaceName: '${namePrefix}-log-${suffix}'
    appInsightsName: '${namePrefix}-appi-${suffix}'
    location: location
    tags: resourceTags
    retentionInDays: logRetentionDays
    identityName: identityName
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  dependsOn: [
    identity
  ]
  params: {
    name: storageName
    location: location
    tags: resourceTags
    deploymentContainerName: deploymentContainerName
    identityName: identityName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  dependsOn: [
    identity
  ]
  params: {
    name: keyVaultName
    location: location
    tags: resourceTags
    identityName: identityName
    linksSigningKey: linksSigningKey
    messagingConnectApiKey: messagingConnectApiKey
    adminApiKey: adminApiKey
    entraClientSecret: entraClientSecret
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  dependsOn: [
    identity
  ]
  params: {
    name: acsName
    dataLocation: acsDataLocation
    tags: resourceTags
    identityName: identityName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: appName
    planName: '${namePrefix}-plan-${suffix}'
    location: location
    tags: resourceTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appInsightsConnectionString: monitoring.outputs.connectionString
    linksBaseUrl: linksBaseUrl
    signingKeySecretUri: keyVault.outputs.signingKeySecretUri
    messagingConnectApiKeySecretUri: keyVault.outputs.messagingConnectApiKeySecretUri
    acsEndpoint: communication.outputs.endpoint
    smsFrom: smsFrom
    messagingConnectPartner: messagingConnectPartner
    smsMaxPerMinute: smsMaxPerMinute
    graphEnabled: graphEnabled
    graphBaseUrl: graphBaseUrl
    adminApiKeySecretUri: keyVault.outputs.adminApiKeySecretUri
    platformAdmins: platformAdmins
    entraClientId: entraClientId
    entraTenantId: entraTenantId
    entraClientSecretUri: keyVault.outputs.entraClientSecretUri
    whatsAppChannelRegistrationId: whatsAppChannelRegistrationId
    whatsAppFallbackAfterMinutes: whatsAppFallbackAfterMinutes
    whatsAppTemplates: whatsAppTemplates
  }
}

// The app host name makes this module wait for the function app, and so for Communication Services.
module events 'modules/events.bicep' = {
  name: 'events'
  params: {
    communicationServiceName: acsName
    topicName: '${namePrefix}-evgt-${suffix}'
    tags: resourceTags
    webhookUrl: 'https://${functionApp.outputs.hostName}/api/events/acs?code=${adminApiKey}'
    subscribe: subscribeToAcsEvents
  }
}

@description('Base URL of the function app.')
output appUrl string = functionApp.outputs.url

@description('Name of the function app, for the publish command.')
output functionAppName string = functionApp.outputs.name

@description('Open-slot feed of a school: replace {schoolId}.')
output feedUrlPattern string = '${functionApp.outputs.linksBaseUrl}/api/calendar/{schoolId}/slots.ics'

@description('Object id of the app identity: grant it the Graph application permission (README, manual steps).')
output identityPrincipalId string = identity.outputs.principalId

@description('Client id of the app identity: the AppId in the Exchange application access policy.')
output identityClientId string = identity.outputs.clientId

@description('Communication Services resource to attach the sender and Messaging Connect partner to.')
output communicationServiceName string = communication.outputs.name

@description('Key Vault holding the app\'s secrets.')
output keyVaultName string = keyVault.outputs.name

@description('Event Grid system topic on the Communication Services resource.')
output eventGridTopicName string = events.outputs.topicName
