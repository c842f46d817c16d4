// Parameters for one BkOutreach deployment. Copy this file per school or foundation and edit the values;
// the secrets are read from environment variables at deployment time so they never sit in a file:
//
//   export BK_LINKS_SIGNING_KEY="$(openssl rand -base64 32)"
//   export BK_ADMIN_API_KEY="$(openssl rand -base64 32)"
//   export BK_MESSAGING_CONNECT_API_KEY='<key from the Messaging Connect partner, or empty>'
//   export BK_ENTRA_CLIENT_SECRET='<client secret of the Entra ID app registration, or empty>'

using 'main.bicep'

// Region of the function app, storage, Key Vault and monitoring. Southeast Asia (Singapore) is the
// closest Flex Consumption region to Indonesia; Indonesia Central works too where Flex is offered.
param location = 'southeastasia'

// Short lowercase prefix for every resource name (a random suffix per resource group is appended).
param namePrefix = 'bkout'

// Tags on every resource: which school or foundation this deployment serves, and who to call.
param tags = {
  school: 'MA Aisyiyah 1 Palembang'
  owner: 'it@example.sch.id'
}

// Where Communication Services keeps message data at rest.
param acsDataLocation = 'Asia Pacific'

// Flex Consumption scale: at most this many instances (40-1000) of this memory size (512, 2048, 4096 MB).
// One school needs far fewer than 40; the SMS rate below is what really bounds the load.
param maximumInstanceCount = 40
param instanceMemoryMB = 2048

// How long Log Analytics keeps logs (30 days are included in the ingestion price).
param logRetentionDays = 30

// Public base URL in SMS links and feeds (Links__BaseUrl). Empty: https://<app>.azurewebsites.net.
// Set it when a custom domain (e.g. https://bk.example.sch.id) is bound to the app.
param linksBaseUrl = ''

// Links__SigningKey: base64 of at least 32 random bytes. Changing it invalidates every link already sent.
param linksSigningKey = readEnvironmentVariable('BK_LINKS_SIGNING_KEY', '')

// Sms__Acs__From: the sender registered for the school (an alphanumeric sender id or number that the
// Messaging Connect partner has approved for Indonesian operators).
param smsFrom = 'BK-SEKOLAH'

// Sms__Acs__MessagingConnect__Partner and its API key: Indonesian numbers (+62) are reachable from ACS
// only through a Messaging Connect partner. Leave the partner empty until the partner account exists.
param messagingConnectPartner = ''
param messagingConnectApiKey = readEnvironmentVariable('BK_MESSAGING_CONNECT_API_KEY', '')

// Sms__MaxPerMinute: throughput agreed with the partner; the dispatcher never sends faster.
param smsMaxPerMinute = 600

// Graph__Enabled: put bookings into counsellors' Microsoft 365 calendars. Turn on only after the Graph
// permission and the Exchange application access policy are in place (README, manual steps).
param graphEnabled = false
param graphBaseUrl = 'https://graph.microsoft.com/v1.0'

// Admin__ApiKey, the platform key: every school, for deployment scripts and the Event Grid webhook (sent
// as x-functions-key or ?code=). At least 32 characters; it goes to Key Vault. Keep it like a password.
param adminApiKey = readEnvironmentVariable('BK_ADMIN_API_KEY', '')

// Auth__PlatformAdmins: staff emails (comma-separated) who may act for every school after signing in.
param platformAdmins = ''

// Staff sign-in with App Service Authentication (Microsoft Entra ID): the app registration's client id
// and tenant id (empty tenant: this subscription's tenant), and its client secret from the environment
// (it goes to Key Vault; empty keeps the one stored before). Empty client id: nobody signs in yet, the
// platform key still works (README, deploy step 6).
param entraClientId = ''
param entraTenantId = ''
param entraClientSecret = readEnvironmentVariable('BK_ENTRA_CLIENT_SECRET', '')

// WhatsApp first, SMS as the fallback (ACS Advanced Messaging on the same Communication Services resource).
// Outside this deployment, once per school: connect the WhatsApp Business number to the Communication
// Services resource in the Azure portal (Channels, with Meta's WhatsApp Manager) and get each template
// approved there. Then set the channel registration id the portal shows, and the approved template names
// per message template and language. Empty channel id: WhatsApp stays off and every message goes by SMS.
param whatsAppChannelRegistrationId = ''
param whatsAppFallbackAfterMinutes = 240
param whatsAppTemplates = {
  // outreach: { id: 'bk_outreach_id', en: 'bk_outreach_en' }
}

// Event Grid webhook for delivery reports and replies (SMS and WhatsApp). Event Grid checks the endpoint when the
// subscription is created, so keep this false for the first deployment, publish the app, then deploy
// again with --parameters subscribeToAcsEvents=true.
param subscribeToAcsEvents = false
