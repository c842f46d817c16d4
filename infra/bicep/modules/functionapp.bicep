// The function app on a Flex Consumption (FC1, Linux) plan. Everything it connects to is reached with
// the user-assigned identity: storage (host and app), the deployment container, Key Vault references,
// Application Insights, Communication Services and, when enabled, Microsoft Graph.
//
// Flex Consumption refuses FUNCTIONS_WORKER_RUNTIME, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT* and
// WEBSITE_TIME_ZONE: the runtime is declared in functionAppConfig, the package comes from the deployment
// container and timers run in UTC (the dispatcher decides local times per school in code).

@description('Function app name; also the first label of its default host name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags for the resources.')
param tags object

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Storage account behind AzureWebJobsStorage.')
param storageAccountName string

@description('URL of the blob container the package is deployed to.')
param deploymentContainerUrl string

@description('Upper bound of instances the plan scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('Public base URL for SMS links and feeds; empty means the app\'s own https host name.')
param linksBaseUrl string

@description('Version-less URI of the Links--SigningKey secret.')
param signingKeySecretUri string

@description('Version-less URI of the Messaging Connect API key secret; empty when there is no partner route.')
param messagingConnectApiKeySecretUri string

@description('Communication Services endpoint (managed identity auth).')
param acsEndpoint string

@description('SMS sender: the number or sender id registered with ACS or the Messaging Connect partner.')
param smsFrom string

@description('Messaging Connect partner name; empty when there is no partner route.')
param messagingConnectPartner string

@description('Sender throughput the dispatcher keeps under (messages a minute).')
param smsMaxPerMinute int

@description('Turn Microsoft Graph calendar sync on.')
param graphEnabled bool

@description('Graph base URL including the version segment.')
param graphBaseUrl string

@description('Version-less URI of the Admin--ApiKey secret (the platform key).')
param adminApiKeySecretUri string

@description('Emails of the platform admins, comma-separated (Auth__PlatformAdmins).')
param platformAdmins string

@description('Client id of the Entra ID app registration staff sign in with; empty: no sign-in provider yet.')
param entraClientId string

@description('Tenant id of the Entra ID app registration; empty: this deployment\'s tenant.')
param entraTenantId string

@description('Version-less URI of the Entra ID client secret in Key Vault.')
param entraClientSecretUri string

@description('ACS channel registration id of the school\'s WhatsApp Business number (WhatsApp__ChannelRegistrationId); empty: WhatsApp off, SMS only.')
param whatsAppChannelRegistrationId string

@description('Minutes a WhatsApp message may stay undelivered before the guardian gets the SMS instead (WhatsApp__FallbackAfterMinutes).')
param whatsAppFallbackAfterMinutes int

@description('Approved WhatsApp template name per template and language, e.g. { outreach: { id: \'bk_outreach_id\', en: \'bk_outreach_en\' } } (WhatsApp__Templates__{template}__{language}); a missing one is empty.')
param whatsAppTemplates object

var linksBase = empty(linksBaseUrl) ? 'https://${site.properties.defaultHostName}' : linksBaseUrl
var useMessagingConnect = !empty(messagingConnectPartner)
var useEntraId = !empty(entraClientId)
var signInTenantId = empty(entraTenantId) ? tenant().tenantId : entraTenantId

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with this identity, not a system-assigned one.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Publishing goes through Entra ID (az CLI), never through basic-auth publishing credentials.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource appSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    Links__BaseUrl: linksBase
    Links__SigningKey: '@Microsoft.KeyVault(SecretUri=${signingKeySecretUri})'
    Sms__Provider: 'Acs'
    Sms__Acs__Endpoint: acsEndpoint
    Sms__Acs__From: smsFrom
    Sms__Acs__MessagingConnect__Partner: messagingConnectPartner
    Sms__Acs__MessagingConnect__ApiKey: useMessagingConnect ? '@Microsoft.KeyVault(SecretUri=${messagingConnectApiKeySecretUri})' : ''
    Sms__MaxPerMinute: string(smsMaxPerMinute)
    Graph__Enabled: string(graphEnabled)
    Graph__TenantId: tenant().tenantId
    Graph__ClientId: identityClientId
    Graph__BaseUrl: graphBaseUrl
    // The platform key the app checks on x-functions-key / ?code= (deployment scripts, the Event Grid webhook).
    Admin__ApiKey: '@Microsoft.KeyVault(SecretUri=${adminApiKeySecretUri})'
    Auth__PlatformAdmins: platformAdmins
    // The setting App Service Authentication reads the client secret from (clientSecretSettingName below).
    MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: useEntraId ? '@Microsoft.KeyVault(SecretUri=${entraClientSecretUri})' : ''
    // WhatsApp through ACS Advanced Messaging (same ACS resource and identity as SMS); an empty channel id turns it off.
    WhatsApp__ChannelRegistrationId: whatsAppChannelRegistrationId
    WhatsApp__FallbackAfterMinutes: string(whatsAppFallbackAfterMinutes)
    // One approved template per message template of templates/sms and language; empty: none approved yet.
    WhatsApp__Templates__channel_sms__id: whatsAppTemplates.?channel_sms.?id ?? ''
    WhatsApp__Templates__channel_sms__en: whatsAppTemplates.?channel_sms.?en ?? ''
    WhatsApp__Templates__channel_whatsapp__id: whatsAppTemplates.?channel_whatsapp.?id ?? ''
    WhatsApp__Templates__channel_whatsapp__en: whatsAppTemplates.?channel_whatsapp.?en ?? ''
    WhatsApp__Templates__booking_confirmation__id: whatsAppTemplates.?booking_confirmation.?id ?? ''
    WhatsApp__Templates__booking_confirmation__en: whatsAppTemplates.?booking_confirmation.?en ?? ''
    WhatsApp__Templates__cancellation__id: whatsAppTemplates.?cancellation.?id ?? ''
    WhatsApp__Templates__cancellation__en: whatsAppTemplates.?cancellation.?en ?? ''
    WhatsApp__Templates__feedback__id: whatsAppTemplates.?feedback.?id ?? ''
    WhatsApp__Templates__feedback__en: whatsAppTemplates.?feedback.?en ?? ''
    WhatsApp__Templates__follow_up__id: whatsAppTemplates.?follow_up.?id ?? ''
    WhatsApp__Templates__follow_up__en: whatsAppTemplates.?follow_up.?en ?? ''
    WhatsApp__Templates__opt_out_confirmation__id: whatsAppTemplates.?opt_out_confirmation.?id ?? ''
    WhatsApp__Templates__opt_out_confirmation__en: whatsAppTemplates.?opt_out_confirmation.?en ?? ''
    WhatsApp__Templates__outreach__id: whatsAppTemplates.?outreach.?id ?? ''
    WhatsApp__Templates__outreach__en: whatsAppTemplates.?outreach.?en ?? ''
    WhatsApp__Templates__reminder__id: whatsAppTemplates.?reminder.?id ?? ''
    WhatsApp__Templates__reminder__en: whatsAppTemplates.?reminder.?en ?? ''
    WhatsApp__Templates__survey_barrier__id: whatsAppTemplates.?survey_barrier.?id ?? ''
    WhatsApp__Templates__survey_barrier__en: whatsAppTemplates.?survey_barrier.?en ?? ''
    WhatsApp__Templates__survey_channel__id: whatsAppTemplates.?survey_channel.?id ?? ''
    WhatsApp__Templates__survey_channel__en: whatsAppTemplates.?survey_channel.?en ?? ''
    // Timer schedules (six-field NCRONTAB, UTC); the same defaults as functions/Schedules.cs.
    DispatcherSchedule: '0 */5 * * * *'
    RemindersSchedule: '0 */5 * * * *'
    BusyTimesSchedule: '0 */15 * * * *'
    BookingEventsSweepSchedule: '30 */2 * * * *'
  }
}

// App Service Authentication is always on, even before an Entra ID app registration exists: only then
// does the platform strip X-MS-CLIENT-PRINCIPAL* headers a client sends, and the app trusts those headers.
// Unauthenticated requests go through (AllowAnonymous) and the app decides per route: parents' links,
// feeds, the webhook, health and about pages are anonymous; staff pages redirect to /.auth/login/aad and
// staff JSON routes answer 401. The functions themselves are anonymous at the host; the app checks the
// platform key (Admin__ApiKey) where a script or the webhook presents it.
resource authSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'authsettingsV2'
  // The client secret setting must exist before the provider is configured to read it.
  dependsOn: [
    appSettings
  ]
  properties: {
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: useEntraId
        registration: {
          clientId: entraClientId
          clientSecretSettingName: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET'
          openIdIssuer: '${environment().authentication.loginEndpoint}${signInTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: useEntraId
            ? [
                entraClientId
                'api://${entraClientId}'
              ]
            : []
        }
      }
    }
    login: {
      // The app reads the headers only; no provider tokens are kept (Flex Consumption has no file system
      // for the token store, and a blob store would need a SAS with a key).
      tokenStore: {
        enabled: false
      }
      // A sign-in may only return to this app.
      allowedExternalRedirectUrls: []
      preserveUrlFragmentsForLogins: false
      cookieExpiration: {
        convention: 'FixedTime'
        timeToExpiration: '08:00:00'
      }
      nonce: {
        validateNonce: true
      }
    }
  }
}

output name string = site.name
output hostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
output linksBaseUrl string = linksBase
