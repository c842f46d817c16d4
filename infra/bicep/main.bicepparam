// Parameters for one BkOutreach deployment. Copy this file per school or foundation and edit the values;
// the two secrets are read from environment variables at deployment time so they never sit in a file:
//
//   export BK_LINKS_SIGNING_KEY="$(openssl rand -base64 32)"
//   export BK_MESSAGING_CONNECT_API_KEY='<key from the Messaging Connect partner, or empty>'

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

// App Service Authentication (Entra ID sign-in) in front of the admin routes and dashboard. Needs an
// app registration whose client id goes here (README, manual steps).
param enableEasyAuth = false
param easyAuthClientId = ''

// Event Grid webhook for delivery reports and replies. Event Grid checks the endpoint when the
// subscription is created, so keep this false for the first deployment, publish the app, then deploy
// again with --parameters subscribeToAcsEvents=true.
param subscribeToAcsEvents = false
