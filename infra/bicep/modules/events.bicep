// Delivery reports and inbound SMS (BERHENTI/STOP replies) reach the app through an Event Grid system
// topic on the Communication Services resource and a webhook subscription to POST /api/events/acs.
//
// Event Grid validates a webhook when the subscription is created, so the subscription can only be made
// once the app code answering the handshake is published; main.bicep deploys it when
// subscribeToAcsEvents is true (the second run in the README).

@description('Name of the Communication Services resource the topic listens to.')
param communicationServiceName string

@description('System topic name.')
param topicName string

@description('Tags for the resources.')
param tags object

@description('Host name of the function app.')
param appHostName string

@description('Create the webhook subscription (the app must already answer the validation handshake).')
param subscribe bool

@description('Name of the function app: the webhook presents its default function key, as the route requires.')
param functionAppName string

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
}

resource site 'Microsoft.Web/sites@2025-03-01' existing = {
  name: functionAppName
}

resource topic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: topicName
  location: 'global'
  tags: tags
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource smsEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (subscribe) {
  parent: topic
  name: 'sms-to-function-app'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'WebHook'
      properties: {
        // The route is function-level: the URL carries the host's default function key, read at deploy
        // time, so forged opt-ins or delivery reports are refused.
        endpointUrl: 'https://${appHostName}/api/events/acs?code=${listKeys('${site.id}/host/default', '2025-03-01').functionKeys.default}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.SMSDeliveryReportReceived'
        'Microsoft.Communication.SMSReceived'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicName string = topic.name
