using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using BkOutreach.Core.Health;
using BkOutreach.Core.Reliability;
using BkOutreach.Core.Storage;
using Microsoft.Azure.Functions.Worker;
using NCrontab;

namespace BkOutreach.LocalRunner;

/// <summary>Runs timer and queue functions: on demand (admin route), on schedule, and per queue message.</summary>
public sealed partial class TriggerRunner(FunctionInvoker invoker, IConfiguration configuration, TimeProvider time, PoisonLog poisonLog, QueueListeners listeners, ILogger<TriggerRunner> logger)
{
    private static readonly JsonSerializerOptions QueueJson = new(JsonSerializerDefaults.Web);

    public IConfiguration Configuration => configuration;

    /// <summary>Runs a timer function now.</summary>
    public Task RunTimerAsync(FunctionDescriptor function, DateTimeOffset? last, DateTimeOffset? next, CancellationToken cancellationToken)
    {
        var info = new TimerInfo
        {
            IsPastDue = false,
            ScheduleStatus = new ScheduleStatus
            {
                Last = (last ?? time.GetUtcNow()).UtcDateTime,
                Next = (next ?? time.GetUtcNow()).UtcDateTime,
                LastUpdated = time.GetUtcNow().UtcDateTime,
            },
        };
        return invoker.InvokeAsync(function, p => p == function.TriggerParameter ? info : Common(p, function, cancellationToken));
    }

    /// <summary>Runs a queue function with one message body (already base64-decoded).</summary>
    public Task RunQueueAsync(FunctionDescriptor function, BinaryData body, string messageId, long dequeueCount, CancellationToken cancellationToken) =>
        invoker.InvokeAsync(function, p =>
        {
            if (p == function.TriggerParameter)
            {
                return ConvertMessage(body, p.ParameterType);
            }

            return p.Name switch
            {
                "dequeueCount" => Convert.ChangeType(dequeueCount, p.ParameterType, CultureInfo.InvariantCulture),
                "id" when p.ParameterType == typeof(string) => messageId,
                _ => Common(p, function, cancellationToken),
            };
        });

    public CrontabSchedule? ParseCron(FunctionDescriptor function, out TimeSpan? interval)
    {
        var schedule = AppSettingResolver.Resolve(function.Timer!.Schedule, configuration);
        interval = null;
        if (TimeSpan.TryParse(schedule, CultureInfo.InvariantCulture, out var span) && !schedule.Contains(' ', StringComparison.Ordinal))
        {
            interval = span;
            return null;
        }

        return CrontabSchedule.Parse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 });
    }

    /// <summary>Fires a timer function on its schedule, reading time from the app's clock.</summary>
    public async Task ScheduleAsync(FunctionDescriptor function, CancellationToken stoppingToken)
    {
        var cron = ParseCron(function, out var interval);
        DateTimeOffset? last = null;
        if (function.Timer!.RunOnStartup)
        {
            await SafeRunTimerAsync(function, null, null, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var next = cron is not null
                ? new DateTimeOffset(DateTime.SpecifyKind(cron.GetNextOccurrence(now.UtcDateTime), DateTimeKind.Utc))
                : now + interval!.Value;
            var wait = next - now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            await SafeRunTimerAsync(function, last, next, stoppingToken);
            last = next;
        }
    }

    /// <summary>
    /// Polls a queue with host.json's semantics: up to batchSize messages at once; delete on success; on
    /// failure the message becomes visible again after visibilityTimeout; once it has been dequeued
    /// maxDequeueCount times it moves to <c>&lt;queue&gt;-poison</c>. No exception ends the loop while the
    /// runner runs (the SDK throws an <see cref="AggregateException"/> once its retries are used up): it
    /// is logged, reported to <see cref="QueueListeners"/> and polling resumes after a pause, so the queue
    /// is worked again as soon as storage answers.
    /// </summary>
    public async Task ListenAsync(FunctionDescriptor function, StorageAccount storage, HostJson host, CancellationToken stoppingToken)
    {
        var name = AppSettingResolver.Resolve(function.Queue!.QueueName, configuration);
        var queue = storage.Queue(name);
        var poison = storage.Queue(name + "-poison");
        var idle = TimeSpan.FromMilliseconds(100);

        // As the host does (newBatchThreshold, half the batch size): the next batch is fetched once the
        // messages still running are down to the threshold, so one slow message does not hold up the queue.
        var threshold = host.QueueBatchSize / 2;
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                running.RemoveAll(t => t.IsCompleted);
                if (running.Count > threshold)
                {
                    await Task.WhenAny(running);
                    continue;
                }

                await queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                var messages = (await queue.ReceiveMessagesAsync(host.QueueBatchSize, host.MessageLease, stoppingToken)).Value;
                listeners.Polled(name);
                if (messages.Length == 0)
                {
                    await Task.Delay(idle, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, host.MaxPollingInterval.Ticks));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(100);
                running.AddRange(messages.Select(m => ProcessAsync(function, name, queue, poison, host, m, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return;
            }
            catch (Exception ex)
            {
                LogQueueUnavailable(logger, name, ex.GetType().Name, ex.Message);
                listeners.Failed(name, $"{ex.GetType().Name}: {ex.Message}");
                await Task.Delay(host.MaxPollingInterval, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ProcessAsync(FunctionDescriptor function, string queueName, Azure.Storage.Queues.QueueClient queue, Azure.Storage.Queues.QueueClient poison, HostJson host, QueueMessage message, CancellationToken stoppingToken)
    {
        try
        {
            if (message.DequeueCount > host.MaxDequeueCount)
            {
                await MoveToPoisonAsync(function, queueName, queue, poison, message, "dequeue count exceeded before processing", stoppingToken);
                return;
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(host.FunctionTimeout);
                await RunQueueAsync(function, message.Body, message.MessageId, message.DequeueCount, timeout.Token);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFunctionFailed(logger, function.Name, message.DequeueCount, ex.GetType().Name, ex.Message);
                if (message.DequeueCount >= host.MaxDequeueCount)
                {
                    await MoveToPoisonAsync(function, queueName, queue, poison, message, $"{ex.GetType().Name}: {ex.Message}", stoppingToken);
                }
                else
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: host.VisibilityTimeout, cancellationToken: stoppingToken);
                }
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested || ex is OperationCanceledException)
        {
            // The message stays invisible until its lease ends and comes back: at-least-once, like the host.
            LogQueueUnavailable(logger, queueName, ex.GetType().Name, ex.Message);
        }
    }

    private async Task MoveToPoisonAsync(FunctionDescriptor function, string queueName, Azure.Storage.Queues.QueueClient queue, Azure.Storage.Queues.QueueClient poison, QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await poison.SendMessageAsync(message.Body, cancellationToken: cancellationToken);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        LogPoisoned(logger, message.MessageId, queueName, message.DequeueCount, reason);
        await poisonLog.RecordAsync(queueName, function.Name, message.MessageId, message.DequeueCount, reason, cancellationToken, PoisonLog.SchoolOf(message.Body));
    }

    private async Task SafeRunTimerAsync(FunctionDescriptor function, DateTimeOffset? last, DateTimeOffset? next, CancellationToken cancellationToken)
    {
        try
        {
            await RunTimerAsync(function, last, next, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFunctionFailed(logger, function.Name, 1, ex.GetType().Name, ex.Message);
        }
    }

    private static object? ConvertMessage(BinaryData body, Type type)
    {
        if (type == typeof(string))
        {
            return body.ToString();
        }

        if (type == typeof(BinaryData))
        {
            return body;
        }

        if (type == typeof(byte[]))
        {
            return body.ToArray();
        }

        return JsonSerializer.Deserialize(body.ToString(), type, QueueJson);
    }

    private static object? Common(System.Reflection.ParameterInfo parameter, FunctionDescriptor function, CancellationToken cancellationToken) =>
        parameter.ParameterType == typeof(CancellationToken)
            ? cancellationToken
            : throw new InvalidOperationException($"{function.Name}: the local runner cannot bind parameter '{parameter.Name}' ({parameter.ParameterType.Name}).");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} failed (dequeue count {DequeueCount}): {ErrorType}: {Error}")]
    private static partial void LogFunctionFailed(ILogger logger, string function, long dequeueCount, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} moved from {Queue} to its poison queue after {DequeueCount} attempts: {Reason}")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string queue, long dequeueCount, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} not reachable ({ErrorType}: {Error}); polling resumes")]
    private static partial void LogQueueUnavailable(ILogger logger, string queue, string errorType, string error);
}
