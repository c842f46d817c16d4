// Delivery reports and inbound SMS (BERHENTI/STOP replies), and WhatsApp messages and delivery statuses
// (ACS Advanced Messaging), reach the app through an Event Grid system
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

@description('Create the webhook subscription (the app must already answer the validation handshake).')
param subscribe bool

@description('The webhook: https://<app>/api/events/acs?code=<platform key>. Secure, as it carries the platform key.')
@secure()
param webhookUrl string

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
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
        // The app refuses the route without the platform key, so forged opt-ins or delivery reports are
        // refused. Event Grid keeps the URL write-only (it shows endpointBaseUrl), and the key in the URL
        // also reaches the validation handshake.
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.SMSDeliveryReportReceived'
        'Microsoft.Communication.SMSReceived'
        'Microsoft.Communication.AdvancedMessageReceived'
        'Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicName string = topic.name
