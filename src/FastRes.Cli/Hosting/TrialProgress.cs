using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FastRes.Cli.Hosting;

/// <summary>
/// Counts finished trials reported by the runners' worker threads. Deliberately not <see cref="Progress{T}"/>:
/// that one posts every report to a synchronization context; here a report is one atomic add, and the display
/// polls the total at its own pace.
/// </summary>
public sealed class TrialCounter : IProgress<long>
{
    private long _done;
    public long Done => Interlocked.Read(ref _done);
    public void Report(long value) => Interlocked.Add(ref _done, value);
}

/// <summary>
/// Runs a long job on a worker thread while showing its progress: a Spectre.Console bar (trials/s, ETA) on an
/// interactive terminal, otherwise a plain line on stderr every couple of seconds, which logs and Slurm output
/// files can hold.
/// </summary>
public static class TrialProgress
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    /// <param name="total">Trials expected, or null when the runner cannot know in advance.</param>
    /// <param name="unit">What one progress step is, in the experiment's words (trials, Hessians).</param>
    public static T Run<T>(CliContext context, string name, long? total, Func<IProgress<long>, CancellationToken, T> work,
                           string unit = "trials")
    {
        var counter = new TrialCounter();
        var clock = Stopwatch.StartNew();
        var job = Task.Factory.StartNew(() => work(counter, context.Cancellation), context.Cancellation,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

        if (context.Interactive) ShowBar(job, counter, name, total, unit);
        else
        {
            while (!Finished(job, PlainInterval))
                context.Error.WriteLine(PlainLine(name, counter.Done, total, clock.Elapsed, unit));
        }
        // Rethrows the runner's own exception (OperationCanceledException on Ctrl-C) rather than an AggregateException.
        return job.GetAwaiter().GetResult();
    }

    /// <summary>Waits without throwing: the runner's exception is rethrown once, unwrapped, by the caller.</summary>
    private static bool Finished(Task job, TimeSpan timeout) => ((IAsyncResult)job).AsyncWaitHandle.WaitOne(timeout);

    /// <summary><c>shortcut-cnn: 120000/420000 trials (28.6%), 1.9e5 trials/s, ETA 1m35s</c></summary>
    public static string PlainLine(string name, long done, long? total, TimeSpan elapsed, string unit = "trials")
    {
        double rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        string rateText = $"{Rate(rate)} {unit}/s";
        if (total is not { } t || t <= 0) return $"{name}: {done} {unit}, {rateText}";
        double fraction = Math.Min(1.0, (double)done / t);
        string eta = rate > 0 ? Duration(TimeSpan.FromSeconds((t - done) / rate)) : "?";
        return string.Create(CultureInfo.InvariantCulture, $"{name}: {done}/{t} {unit} ({fraction * 100:0.0}%), {rateText}, ETA {eta}");
    }

    public static string Rate(double perSecond) => perSecond.ToString("0.0e0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span)
    {
        if (span.TotalSeconds < 60) return $"{Math.Ceiling(span.TotalSeconds):0}s";
        if (span.TotalHours < 1) return $"{(int)span.TotalMinutes}m{span.Seconds:00}s";
        return $"{(int)span.TotalHours}h{span.Minutes:00}m";
    }

    private static void ShowBar(Task job, TrialCounter counter, string name, long? total, string unit)
    {
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new TrialRateColumn(unit), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(name, maxValue: total ?? 1);
                task.IsIndeterminate = total is null;
                while (!Finished(job, TimeSpan.FromMilliseconds(200)))
                {
                    if (total is not null) task.Value = counter.Done;
                }
                if (job.IsCompletedSuccessfully) task.Value = task.MaxValue;
                task.StopTask();
            });
    }

    /// <summary>Spectre's speed column is for bytes; this one says trials/s.</summary>
    private sealed class TrialRateColumn(string unit) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Markup(task.Speed is { } s ? $"[grey]{Rate(s)} {unit}/s[/]" : $"[grey]- {unit}/s[/]");
    }
}
