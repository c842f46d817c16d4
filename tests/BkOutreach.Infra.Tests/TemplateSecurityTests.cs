using System.Text.Json.Nodes;

namespace BkOutreach.Infra.Tests;

/// <summary>What the compiled main.bicep promises: no keys, identity everywhere, only the roles the app needs.</summary>
public sealed class TemplateSecurityTests(CompiledMainTemplate compiled) : IClassFixture<CompiledMainTemplate>
{
    private const string IdentityPrincipal =
        "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2024-11-30').principalId]";

    private static readonly string[] RefusedOnFlexConsumption =
        ["FUNCTIONS_WORKER_RUNTIME", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENT", "WEBSITE_TIME_ZONE"];

    private ArmTemplate Main => compiled.Template;

    [Fact]
    public void CompiledTemplate_ContainsNoAccountKeyOrKeyListing()
    {
        Assert.DoesNotContain("AccountKey=", compiled.Text, StringComparison.OrdinalIgnoreCase);
        // No key of any resource is ever read, the function host's included: the webhook presents the
        // platform key from the deployment's secure parameter, which Key Vault also holds for the app.
        Assert.DoesNotContain("listKeys(", compiled.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DefaultEndpointsProtocol", compiled.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("accesskey=", compiled.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void StorageAccount_RefusesSharedKeysPublicBlobsAndOldTls()
    {
        var storage = Main.Module("storage").Template;
        var account = storage.Single("Microsoft.Storage/storageAccounts")["properties"]!;

        Assert.False(account["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.False(account["allowBlobPublicAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", ArmTemplate.Str(account["minimumTlsVersion"]));
        Assert.True(account["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.Equal("None", ArmTemplate.Str(storage.Single("Microsoft.Storage/storageAccounts/blobServices/containers")["properties"]!["publicAccess"]));
        Assert.Single(storage.OfType("Microsoft.Storage/storageAccounts/queueServices"));
        Assert.Single(storage.OfType("Microsoft.Storage/storageAccounts/tableServices"));
    }

    [Theory]
    [InlineData("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "storage", "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "storage", "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "storage", "Microsoft.Storage/storageAccounts")]
    [InlineData("Communication and Email Service Owner", "09976791-48a7-449e-bb21-39d1a415f350", "communication", "Microsoft.Communication/communicationServices")]
    [InlineData("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6", "keyvault", "Microsoft.KeyVault/vaults")]
    [InlineData("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb", "monitoring", "Microsoft.Insights/components")]
    public void AppIdentity_HoldsRole_OnTheResourceThatNeedsIt(string role, string roleId, string module, string scopeType)
    {
        var owner = Main.Module(module);
        var assignment = owner.Template.OfType("Microsoft.Authorization/roleAssignments")
            .SingleOrDefault(a => owner.Template.Literals(ArmTemplate.Str(a["properties"]!["roleDefinitionId"])).Contains(roleId));

        Assert.True(assignment is not null, $"{role} is not assigned in module '{module}'.");
        Assert.Contains($"resourceId('{scopeType}'", ArmTemplate.Str(assignment!["scope"]), StringComparison.Ordinal);
        Assert.Equal(IdentityPrincipal, ArmTemplate.Str(assignment["properties"]!["principalId"]));
        Assert.Equal("ServicePrincipal", ArmTemplate.Str(assignment["properties"]!["principalType"]));
        AssertIsAppIdentityName(owner.Parameter("identityName"));
    }

    [Fact]
    public void AppIdentity_HoldsNoRoleBeyondTheSixItNeeds()
    {
        var expected = new[]
        {
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
            "09976791-48a7-449e-bb21-39d1a415f350", "4633458b-17de-408a-b874-0445c86b69e6", "3913510d-42f4-4e42-8a64-420c390055eb",
        };
        var assigned = Main.Modules
            .SelectMany(m => m.Template.OfType("Microsoft.Authorization/roleAssignments")
                .SelectMany(a => m.Template.Literals(ArmTemplate.Str(a["properties"]!["roleDefinitionId"]))))
            .Select(id => id.ToLowerInvariant())
            .ToHashSet();

        Assert.Equal(expected.Order(), assigned.Order());
        Assert.Empty(Main.OfType("Microsoft.Authorization/roleAssignments"));
    }

    [Fact]
    public void FunctionApp_RunsDotnetIsolated10_OnFlexConsumption()
    {
        var app = Main.Module("functionapp");
        var plan = app.Template.Single("Microsoft.Web/serverfarms");
        var site = app.Template.Single("Microsoft.Web/sites");
        var config = site["properties"]!["functionAppConfig"]!;

        Assert.Equal("FC1", ArmTemplate.Str(plan["sku"]!["name"]));
        Assert.Equal("FlexConsumption", ArmTemplate.Str(plan["sku"]!["tier"]));
        Assert.True(plan["properties"]!["reserved"]!.GetValue<bool>());
        Assert.Equal("functionapp,linux", ArmTemplate.Str(site["kind"]));
        Assert.Equal("dotnet-isolated", ArmTemplate.Str(config["runtime"]!["name"]));
        Assert.Equal("10.0", ArmTemplate.Str(config["runtime"]!["version"]));
        Assert.Equal("[parameters('maximumInstanceCount')]", ArmTemplate.Str(config["scaleAndConcurrency"]!["maximumInstanceCount"]));
        Assert.Equal("[parameters('instanceMemoryMB')]", ArmTemplate.Str(config["scaleAndConcurrency"]!["instanceMemoryMB"]));
        Assert.Equal("[parameters('maximumInstanceCount')]", ArmTemplate.Str(app.Parameter("maximumInstanceCount")));
        Assert.Equal("[parameters('instanceMemoryMB')]", ArmTemplate.Str(app.Parameter("instanceMemoryMB")));
        Assert.True(site["properties"]!["httpsOnly"]!.GetValue<bool>());
    }

    [Fact]
    public void FunctionApp_DeploysFromBlobContainer_WithTheAppIdentity()
    {
        var app = Main.Module("functionapp");
        var site = app.Template.Single("Microsoft.Web/sites");
        var storage = site["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!;

        Assert.Equal("blobContainer", ArmTemplate.Str(storage["type"]));
        Assert.Equal("UserAssignedIdentity", ArmTemplate.Str(storage["authentication"]!["type"]));
        Assert.Equal("[parameters('identityId')]", ArmTemplate.Str(storage["authentication"]!["userAssignedIdentityResourceId"]));
        Assert.Null(storage["authentication"]!["storageAccountConnectionStringName"]);
        Assert.Contains("outputs.deploymentContainerUrl.value", ArmTemplate.Str(app.Parameter("deploymentContainerUrl")), StringComparison.Ordinal);
        Assert.Equal("UserAssigned", ArmTemplate.Str(site["identity"]!["type"]));
        Assert.Equal(["[format('{0}', parameters('identityId'))]"], site["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
        Assert.Equal("[parameters('identityId')]", ArmTemplate.Str(site["properties"]!["keyVaultReferenceIdentity"]));
        Assert.Equal("[reference(resourceId('Microsoft.Resources/deployments', 'identity'), '2025-04-01').outputs.id.value]", ArmTemplate.Str(app.Parameter("identityId")));
    }

    [Fact]
    public void FunctionApp_HasNoSettingFlexConsumptionRefuses()
    {
        var settings = AppSettings();

        foreach (var refused in RefusedOnFlexConsumption)
        {
            Assert.DoesNotContain(refused, compiled.Text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(settings, s => s.Key.StartsWith(refused, StringComparison.OrdinalIgnoreCase));
        }

        Assert.Null(Main.Module("functionapp").Template.Single("Microsoft.Web/sites")["properties"]!["siteConfig"]!["appSettings"]);
    }

    [Fact]
    public void FunctionApp_ConnectsToStorageWithItsIdentity()
    {
        var settings = AppSettings();

        Assert.Equal("[parameters('storageAccountName')]", ArmTemplate.Str(settings["AzureWebJobsStorage__accountName"]));
        Assert.Equal("managedidentity", ArmTemplate.Str(settings["AzureWebJobsStorage__credential"]));
        Assert.Equal("[parameters('identityClientId')]", ArmTemplate.Str(settings["AzureWebJobsStorage__clientId"]));
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.Equal("[reference(resourceId('Microsoft.Resources/deployments', 'identity'), '2025-04-01').outputs.clientId.value]", ArmTemplate.Str(Main.Module("functionapp").Parameter("identityClientId")));
    }

    [Theory]
    [InlineData("Links__SigningKey", "signingKeySecretUri", "Links--SigningKey")]
    [InlineData("Sms__Acs__MessagingConnect__ApiKey", "messagingConnectApiKeySecretUri", "Sms--Acs--MessagingConnect--ApiKey")]
    [InlineData("Admin__ApiKey", "adminApiKeySecretUri", "Admin--ApiKey")]
    public void Secret_ReachesTheApp_AsKeyVaultReference(string setting, string uriParameter, string secretName)
    {
        var value = ArmTemplate.Str(AppSettings()[setting]);
        var keyVault = Main.Module("keyvault").Template;

        Assert.Contains($"'@Microsoft.KeyVault(SecretUri={{0}})', parameters('{uriParameter}')", value, StringComparison.Ordinal);
        Assert.Equal($"[reference(resourceId('Microsoft.Resources/deployments', 'keyvault'), '2025-04-01').outputs.{uriParameter}.value]", ArmTemplate.Str(Main.Module("functionapp").Parameter(uriParameter)));
        Assert.Contains(keyVault.OfType("Microsoft.KeyVault/vaults/secrets"), s => ArmTemplate.Str(s["name"])!.Contains($"'{secretName}'", StringComparison.Ordinal));
        Assert.Contains(".secretUri", ArmTemplate.Str(keyVault.Outputs![uriParameter]!["value"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_ArePassedAsSecureParameters_AndKeyVaultUsesRbac()
    {
        var main = Main.Root["parameters"]!;
        var keyVault = Main.Module("keyvault").Template;
        var vault = keyVault.Single("Microsoft.KeyVault/vaults")["properties"]!;

        Assert.Equal("securestring", ArmTemplate.Str(main["linksSigningKey"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(main["messagingConnectApiKey"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(main["adminApiKey"]!["type"]));
        Assert.Equal(32, main["adminApiKey"]!["minLength"]!.GetValue<int>());
        Assert.Equal("securestring", ArmTemplate.Str(main["entraClientSecret"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(keyVault.Root["parameters"]!["adminApiKey"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(keyVault.Root["parameters"]!["entraClientSecret"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(Main.Module("events").Template.Root["parameters"]!["webhookUrl"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(keyVault.Root["parameters"]!["linksSigningKey"]!["type"]));
        Assert.Equal("securestring", ArmTemplate.Str(keyVault.Root["parameters"]!["messagingConnectApiKey"]!["type"]));
        Assert.True(vault["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.Null(vault["accessPolicies"]);
        Assert.DoesNotContain(Main.Outputs!, o => o.Key.Contains("key", StringComparison.OrdinalIgnoreCase) && !o.Key.Contains("keyVault", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void AppSettings_FollowTheContract()
    {
        var settings = AppSettings();

        Assert.Equal("Acs", ArmTemplate.Str(settings["Sms__Provider"]));
        Assert.Equal("[parameters('acsEndpoint')]", ArmTemplate.Str(settings["Sms__Acs__Endpoint"]));
        Assert.Equal("[parameters('smsFrom')]", ArmTemplate.Str(settings["Sms__Acs__From"]));
        Assert.Equal("[parameters('messagingConnectPartner')]", ArmTemplate.Str(settings["Sms__Acs__MessagingConnect__Partner"]));
        Assert.False(settings.ContainsKey("Sms__Acs__ConnectionString"));
        Assert.Contains("Links__BaseUrl", settings.Select(s => s.Key));
        Assert.Contains("Sms__MaxPerMinute", settings.Select(s => s.Key));
        foreach (var (name, schedule) in BkOutreach.Functions.Schedules.Defaults)
        {
            Assert.Equal(schedule, ArmTemplate.Str(settings[name]));
        }

        Assert.Equal("[parameters('identityClientId')]", ArmTemplate.Str(settings["Graph__ClientId"]));
        Assert.Equal("[tenant().tenantId]", ArmTemplate.Str(settings["Graph__TenantId"]));
        Assert.Equal("[string(parameters('graphEnabled'))]", ArmTemplate.Str(settings["Graph__Enabled"]));
        Assert.Equal("[parameters('graphBaseUrl')]", ArmTemplate.Str(settings["Graph__BaseUrl"]));
        Assert.Contains("Authorization=AAD", ArmTemplate.Str(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]), StringComparison.Ordinal);
        Assert.Equal("[parameters('appInsightsConnectionString')]", ArmTemplate.Str(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]));
    }

    [Fact]
    public void WhatsAppSettings_ComeFromParameters_OffByDefault_WithATemplateSettingForEveryMessageTemplateAndLanguage()
    {
        var settings = AppSettings();
        var main = Main.Root["parameters"]!;
        var module = Main.Module("functionapp");

        Assert.Equal("[parameters('whatsAppChannelRegistrationId')]", ArmTemplate.Str(settings["WhatsApp__ChannelRegistrationId"]));
        Assert.Equal("[string(parameters('whatsAppFallbackAfterMinutes'))]", ArmTemplate.Str(settings["WhatsApp__FallbackAfterMinutes"]));
        Assert.Equal("", ArmTemplate.Str(main["whatsAppChannelRegistrationId"]!["defaultValue"]));
        Assert.Equal(240, main["whatsAppFallbackAfterMinutes"]!["defaultValue"]!.GetValue<int>());
        Assert.Empty(main["whatsAppTemplates"]!["defaultValue"]!.AsObject());
        foreach (var name in new[] { "whatsAppChannelRegistrationId", "whatsAppFallbackAfterMinutes", "whatsAppTemplates" })
        {
            Assert.Equal($"[parameters('{name}')]", ArmTemplate.Str(module.Parameter(name)));
        }

        // Every message template the app renders (templates/sms/{template}.{language}.liquid) has its setting,
        // read from the template object with an empty default; no setting names a template that does not exist.
        var rendered = Directory.EnumerateFiles(Path.Combine(Bicep.RepositoryRoot, "templates", "sms"), "*.liquid")
            .Select(f => Path.GetFileNameWithoutExtension(f).Split('.'))
            .Select(p => (Template: p[0], Language: p[1]))
            .ToList();
        Assert.NotEmpty(rendered);
        foreach (var (template, language) in rendered)
        {
            var value = ArmTemplate.Str(settings[$"WhatsApp__Templates__{template}__{language}"]);
            Assert.Equal($"[coalesce(tryGet(tryGet(parameters('whatsAppTemplates'), '{template}'), '{language}'), '')]", value);
        }

        Assert.Equal(
            rendered.Select(r => $"WhatsApp__Templates__{r.Template}__{r.Language}").Order(StringComparer.Ordinal),
            settings.Select(s => s.Key).Where(k => k.StartsWith("WhatsApp__Templates__", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Telemetry_AndSms_RefuseLocalKeys()
    {
        var insights = Main.Module("monitoring").Template.Single("Microsoft.Insights/components")["properties"]!;
        var acs = Main.Module("communication").Template.Single("Microsoft.Communication/communicationServices");

        Assert.True(insights["DisableLocalAuth"]!.GetValue<bool>());
        Assert.Contains("Microsoft.OperationalInsights/workspaces", ArmTemplate.Str(insights["WorkspaceResourceId"]), StringComparison.Ordinal);
        Assert.True(acs["properties"]!["disableLocalAuth"]!.GetValue<bool>());
        Assert.Equal("[parameters('dataLocation')]", ArmTemplate.Str(acs["properties"]!["dataLocation"]));
        Assert.Equal("[parameters('acsDataLocation')]", ArmTemplate.Str(Main.Module("communication").Parameter("dataLocation")));
    }

    [Fact]
    public void EventGrid_SendsSmsAndWhatsAppDeliveryReportsAndInboundMessages_ToTheWebhook()
    {
        var events = Main.Module("events").Template;
        var topic = events.Single("Microsoft.EventGrid/systemTopics")["properties"]!;
        var subscription = events.Single("Microsoft.EventGrid/systemTopics/eventSubscriptions")["properties"]!;
        var destination = subscription["destination"]!;
        var types = subscription["filter"]!["includedEventTypes"]!.AsArray().Select(ArmTemplate.Str);

        Assert.Equal("Microsoft.Communication.CommunicationServices", ArmTemplate.Str(topic["topicType"]));
        Assert.Contains("Microsoft.Communication/communicationServices", ArmTemplate.Str(topic["source"]), StringComparison.Ordinal);
        Assert.Equal(
            [
                "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
                "Microsoft.Communication.AdvancedMessageReceived",
                "Microsoft.Communication.SMSDeliveryReportReceived",
                "Microsoft.Communication.SMSReceived",
            ],
            types.Order(StringComparer.Ordinal));
        Assert.Equal("WebHook", ArmTemplate.Str(destination["endpointType"]));
        Assert.Equal("[parameters('webhookUrl')]", ArmTemplate.Str(destination["properties"]!["endpointUrl"]));
        var webhook = ArmTemplate.Str(Main.Module("events").Parameter("webhookUrl"));
        Assert.StartsWith("[format('https://{0}/api/events/acs?code={1}', reference(resourceId('Microsoft.Resources/deployments', 'functionapp'), '2025-04-01').outputs.hostName.value, parameters('adminApiKey'))]", webhook, StringComparison.Ordinal);
    }

    [Fact]
    public void AppServiceAuthentication_IsAlwaysOn_AndLetsTheAppDecidePerRoute()
    {
        var auth = AuthSettings();
        var validation = auth["properties"]!["globalValidation"]!;

        // Always on, so the platform strips client-sent X-MS-CLIENT-PRINCIPAL* headers even before a sign-in
        // provider exists: the app trusts those headers.
        Assert.Null(auth["condition"]);
        Assert.True(auth["properties"]!["platform"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("AllowAnonymous", ArmTemplate.Str(validation["unauthenticatedClientAction"]));
        Assert.False(validation["requireAuthentication"]!.GetValue<bool>());
        Assert.Null(validation["excludedPaths"]);
        Assert.True(auth["properties"]!["httpSettings"]!["requireHttps"]!.GetValue<bool>());
        Assert.False(auth["properties"]!["login"]!["tokenStore"]!["enabled"]!.GetValue<bool>());
        Assert.Empty(auth["properties"]!["login"]!["allowedExternalRedirectUrls"]!.AsArray());
        Assert.Contains(auth["dependsOn"]!.AsArray(), d => ArmTemplate.Str(d)!.Contains("'appsettings'", StringComparison.Ordinal));
    }

    [Fact]
    public void EntraId_IsTheSignInProvider_WithTheAppRegistrationFromParameters_AndItsSecretFromKeyVault()
    {
        var app = Main.Module("functionapp");
        var keyVault = Main.Module("keyvault").Template;
        var aad = AuthSettings()["properties"]!["identityProviders"]!["azureActiveDirectory"]!;
        var registration = aad["registration"]!;
        var settings = AppSettings();

        Assert.Equal("[variables('useEntraId')]", ArmTemplate.Str(aad["enabled"]));
        Assert.Equal("[not(empty(parameters('entraClientId')))]", ArmTemplate.Str(app.Template.Root["variables"]!["useEntraId"]));
        Assert.Equal("[parameters('entraClientId')]", ArmTemplate.Str(registration["clientId"]));
        Assert.Equal("[format('{0}{1}/v2.0', environment().authentication.loginEndpoint, variables('signInTenantId'))]", ArmTemplate.Str(registration["openIdIssuer"]));
        Assert.Equal("[if(empty(parameters('entraTenantId')), tenant().tenantId, parameters('entraTenantId'))]", ArmTemplate.Str(app.Template.Root["variables"]!["signInTenantId"]));
        Assert.Contains("parameters('entraClientId')", ArmTemplate.Str(aad["validation"]!["allowedAudiences"]), StringComparison.Ordinal);
        Assert.Equal("MICROSOFT_PROVIDER_AUTHENTICATION_SECRET", ArmTemplate.Str(registration["clientSecretSettingName"]));
        Assert.Equal("[if(variables('useEntraId'), format('@Microsoft.KeyVault(SecretUri={0})', parameters('entraClientSecretUri')), '')]", ArmTemplate.Str(settings["MICROSOFT_PROVIDER_AUTHENTICATION_SECRET"]));
        Assert.Null(registration["clientSecret"]);

        Assert.Equal("[parameters('entraClientId')]", ArmTemplate.Str(app.Parameter("entraClientId")));
        Assert.Equal("[parameters('entraTenantId')]", ArmTemplate.Str(app.Parameter("entraTenantId")));
        Assert.Equal("[reference(resourceId('Microsoft.Resources/deployments', 'keyvault'), '2025-04-01').outputs.entraClientSecretUri.value]", ArmTemplate.Str(app.Parameter("entraClientSecretUri")));
        Assert.Contains(keyVault.OfType("Microsoft.KeyVault/vaults/secrets"), s => keyVault.Literals(ArmTemplate.Str(s["name"])).Contains("Auth--EntraClientSecret"));
        Assert.Equal("Auth--EntraClientSecret", ArmTemplate.Str(keyVault.Root["variables"]!["entraClientSecretName"]));
        Assert.Contains("vaultUri", ArmTemplate.Str(keyVault.Outputs!["entraClientSecretUri"]!["value"]), StringComparison.Ordinal);
        Assert.Equal("", ArmTemplate.Str(Main.Root["parameters"]!["entraClientId"]!["defaultValue"]));
    }

    [Fact]
    public void PlatformAdmins_AreAnAppSetting_FromTheirParameter()
    {
        Assert.Equal("[parameters('platformAdmins')]", ArmTemplate.Str(AppSettings()["Auth__PlatformAdmins"]));
        Assert.Equal("[parameters('platformAdmins')]", ArmTemplate.Str(Main.Module("functionapp").Parameter("platformAdmins")));
        Assert.Equal("[parameters('adminApiKey')]", ArmTemplate.Str(Main.Module("keyvault").Parameter("adminApiKey")));
    }

    [Fact]
    public void Outputs_GiveTheAppUrlAndTheFeedUrlPattern()
    {
        var outputs = Main.Outputs!;

        Assert.Contains("outputs.url.value", ArmTemplate.Str(outputs["appUrl"]!["value"]), StringComparison.Ordinal);
        // ARM's format() escapes literal braces by doubling them; the deployed output reads {schoolId}.
        Assert.Equal(
            "[format('{0}/api/calendar/{{schoolId}}/slots.ics', reference(resourceId('Microsoft.Resources/deployments', 'functionapp'), '2025-04-01').outputs.linksBaseUrl.value)]",
            ArmTemplate.Str(outputs["feedUrlPattern"]!["value"]));
    }

    private JsonObject AuthSettings() =>
        Main.Module("functionapp").Template.OfType("Microsoft.Web/sites/config")
            .Single(c => ArmTemplate.Str(c["name"])!.Contains("authsettingsV2", StringComparison.Ordinal));

    private JsonObject AppSettings()
    {
        var config = Main.Module("functionapp").Template.OfType("Microsoft.Web/sites/config")
            .Single(c => ArmTemplate.Str(c["name"])!.Contains("'appsettings'", StringComparison.Ordinal));
        return config["properties"]!.AsObject();
    }

    private void AssertIsAppIdentityName(JsonNode? passed)
    {
        var identityName = ArmTemplate.Str(Main.Module("identity").Parameter("name"));
        Assert.Equal(identityName, ArmTemplate.Str(passed));
        Assert.Equal("[variables('identityName')]", identityName);
    }
}
