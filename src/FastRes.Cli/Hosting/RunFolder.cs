using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Cli.Hosting;

/// <summary>What an output folder holds when a run, resume or merge is about to write into it.</summary>
public enum FolderState
{
    /// <summary>Nothing of a run (missing, empty, or only fastres' own hidden files).</summary>
    Empty,
    /// <summary>config.json and a complete result set (results.json and every file it lists).</summary>
    Finished,
    /// <summary>config.json without a complete result set: a run that was stopped, killed or failed while writing.</summary>
    Interrupted,
    /// <summary>Files that are not a fastres run, or a run folder whose files contradict each other.</summary>
    Foreign,
    /// <summary>Another process holds the folder's lock (it is running, resuming or merging there).</summary>
    InUse,
}

/// <summary>A folder's state and, for a run folder, the run it holds (from its config.json).</summary>
public sealed record FolderContents(FolderState State, string? Experiment, string? ConfigHash, JsonObject? Config, bool HasJournal, string? Why = null);

/// <summary>
/// The output folder of one <c>fastres run</c>, <c>--resume</c> or <c>merge</c>, held for the life of the process:
/// <list type="bullet">
/// <item>An exclusive advisory lock on <c>DIR/.fastres.lock</c> (flock through FileShare.None): a second process gets
/// one line naming the holder, and the kernel drops the lock when the holder dies, however it dies, so a SIGKILL never
/// leaves a stale lock. The holder's pid and command are in <c>.fastres.lock.owner</c>, for that message only.</item>
/// <item>The folder's <see cref="FolderState"/>, which decides whether the run may write here at all.</item>
/// <item>The result files written as one set: into a hidden staging folder inside DIR (same file system), then renamed
/// into place with results.json last. results.json is the set's commit record: it lists the other files, and a folder
/// counts as finished only when it exists and they all do — a disk filling up or a kill halfway leaves an interrupted
/// folder (resumable), never a finished-looking one.</item>
/// </list>
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockName = ".fastres.lock";
    public const string OwnerName = ".fastres.lock.owner";
    private const string StagingPrefix = ".fastres-staging-";

    /// <summary>The files fastres writes in every run folder besides the figures (which results.json lists).</summary>
    /// <summary>The verdicts on the claims an experiment checks, beside results.json (read by <c>fastres reproduce</c>).</summary>
    public const string ClaimsName = "claims.json";

    private static readonly string[] RunFiles = ["config.json", "results.json", "results.csv", "summary.md", ClaimsName, CheckpointFile.FileName];

    private readonly FileStream _lock;

    private RunFolder(string dir, FileStream lockStream) => (Dir, _lock) = (dir, lockStream);

    public string Dir { get; }

    /// <summary>Creates <paramref name="dir"/> if needed and locks it; a folder held by another process is bad input naming it.</summary>
    public static RunFolder Acquire(string dir, string flag, string command)
    {
        if (File.Exists(dir)) throw new BadInputException(flag, $"{dir} is a file; give a folder");
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new BadInputException(flag, $"cannot create folder {dir}: {ConfigFile.OneLine(e.Message)}");
        }
        string lockPath = Path.Combine(dir, LockName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BadInputException(flag, $"folder {dir} is not writable: {ConfigFile.OneLine(e.Message)}");
        }
        catch (IOException)
        {
            throw new BadInputException(flag, $"{dir} is in use by {Holder(dir)}; wait for it to end, or choose another folder");
        }
        try
        {
            AtomicFile.WriteText(Path.Combine(dir, OwnerName),
                $"pid {Environment.ProcessId}, started {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC: {command}\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new BadInputException(flag, $"folder {dir} is not writable: {ConfigFile.OneLine(e.Message)}");
        }
        var folder = new RunFolder(dir, stream);
        folder.RemoveStaging();
        return folder;
    }

    /// <summary>Whether another process holds the lock of <paramref name="dir"/> (probed without creating anything).</summary>
    private static bool HeldElsewhere(string dir)
    {
        try
        {
            using (new FileStream(Path.Combine(dir, LockName), FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
            return false;
        }
        catch (FileNotFoundException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
        catch (IOException) { return true; }
    }

    /// <summary>Who holds the lock, as its owner file says (it may lag a moment behind a fresh holder).</summary>
    private static string Holder(string dir)
    {
        try
        {
            string owner = File.ReadAllText(Path.Combine(dir, OwnerName)).Trim();
            if (owner.Length > 0) return $"another fastres ({owner})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return "another fastres process";
    }

    /// <summary>What the folder holds now (this process holds its lock).</summary>
    public FolderContents Inspect() => Read(Dir);

    /// <summary>What <paramref name="dir"/> holds, looked at without taking its lock (a missing folder is empty).</summary>
    public static FolderContents Inspect(string dir)
    {
        if (!Directory.Exists(dir)) return new(FolderState.Empty, null, null, null, false);
        return HeldElsewhere(dir) ? new(FolderState.InUse, null, null, null, false, Holder(dir)) : Read(dir);
    }

    private static FolderContents Read(string dir)
    {
        string config = Path.Combine(dir, "config.json"), results = Path.Combine(dir, "results.json");
        bool journal = File.Exists(Path.Combine(dir, CheckpointFile.FileName));
        if (!File.Exists(config))
        {
            var own = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Where(n => n is not (LockName or OwnerName) && !n!.StartsWith(StagingPrefix, StringComparison.Ordinal));
            return own.Any() ? new(FolderState.Foreign, null, null, null, journal, "it holds files but no config.json of a run") : new(FolderState.Empty, null, null, null, false);
        }
        JsonObject doc;
        try { doc = JsonNode.Parse(File.ReadAllText(config))!.AsObject(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException or NullReferenceException)
        {
            return new(FolderState.Foreign, null, null, null, journal, "its config.json is not a fastres config");
        }
        string? experiment = (doc["experiment"] as JsonValue)?.GetValue<string>(), hash = (doc["config_hash"] as JsonValue)?.GetValue<string>();
        var settings = doc["config"] as JsonObject;
        if (experiment is null || hash is null || settings is null)
            return new(FolderState.Foreign, experiment, hash, settings, journal, "its config.json is not a fastres config");
        if (!File.Exists(results)) return new(FolderState.Interrupted, experiment, hash, settings, journal);
        try
        {
            var r = JsonNode.Parse(File.ReadAllText(results))!.AsObject();
            if ((r["config_hash"] as JsonValue)?.GetValue<string>() != hash)
                return new(FolderState.Foreign, experiment, hash, settings, journal, "its results.json belongs to another config than its config.json");
            var files = (r["files"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToList();
            if (files is not null && files.Any(f => !File.Exists(Path.Combine(dir, f))))
                return new(FolderState.Interrupted, experiment, hash, settings, journal);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException or NullReferenceException or FormatException)
        {
            return new(FolderState.Interrupted, experiment, hash, settings, journal);
        }
        return new(FolderState.Finished, experiment, hash, settings, journal);
    }

    /// <summary>
    /// --force: removes the run this folder holds (its config, results, summary, journal and the figures its
    /// results.json or summary.md names) so a new one can take its place. Files fastres did not write stay.
    /// </summary>
    public void Clear()
    {
        var names = new HashSet<string>(RunFiles, StringComparer.Ordinal);
        try
        {
            string results = Path.Combine(Dir, "results.json");
            if (File.Exists(results) && JsonNode.Parse(File.ReadAllText(results)) is JsonObject r && r["files"] is JsonArray files)
                foreach (var f in files) names.Add(f!.GetValue<string>());
            string summary = Path.Combine(Dir, "summary.md");
            if (File.Exists(summary))
                foreach (var line in File.ReadLines(summary))
                    if (line.StartsWith("![", StringComparison.Ordinal) && line.IndexOf("](", StringComparison.Ordinal) is > 0 and var at && line.EndsWith(')'))
                    {
                        string png = line[(at + 2)..^1];
                        names.Add(png);
                        names.Add(Path.ChangeExtension(png, ".svg"));
                    }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { }
        // results.json first: from the first deletion on, the folder no longer looks finished.
        foreach (string name in names.OrderBy(n => n == "results.json" ? 0 : 1))
        {
            string path = Path.Combine(Dir, name);
            if (Path.GetFileName(path) == name && File.Exists(path)) File.Delete(path);
        }
    }

    /// <summary>
    /// Writes a set of result files: <paramref name="write"/> writes them into the folder it is given (a staging folder
    /// inside this one), they are renamed into place with results.json last, after it has been told the other names.
    /// Any failure leaves no new results.json, and the staging folder is removed.
    /// </summary>
    public IReadOnlyList<string> Commit(Func<string, IReadOnlyList<string>> write)
    {
        string staging = Path.Combine(Dir, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var files = write(staging);
            foreach (string f in files.Where(f => f != "results.json")) File.Move(Path.Combine(staging, f), Path.Combine(Dir, f), overwrite: true);
            foreach (string f in files.Where(f => f != "results.json"))
                if (!File.Exists(Path.Combine(Dir, f))) throw new IOException($"{f} did not reach {Dir}");
            if (files.Contains("results.json")) File.Move(Path.Combine(staging, "results.json"), Path.Combine(Dir, "results.json"), overwrite: true);
            return files;
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private void RemoveStaging()
    {
        foreach (string d in Directory.EnumerateDirectories(Dir, StagingPrefix + "*")) TryDelete(d);
    }

    private static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Debug.WriteLine(e.Message); }
    }

    /// <summary>The lock goes with the process; the owner file goes first, so it never names a process that let go.</summary>
    public void Dispose()
    {
        try { File.Delete(Path.Combine(Dir, OwnerName)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _lock.Dispose();
    }

    /// <summary>The settings that differ between a folder's config and a requested one, for a refusal: "seed 1 → 2, trials 20000 → 500".</summary>
    public static string Differences(JsonObject stored, JsonObject requested)
    {
        var keys = stored.Select(p => p.Key).Union(requested.Select(p => p.Key)).ToList();
        var diffs = keys.Where(k => !JsonNode.DeepEquals(stored[k], requested[k]))
                        .Select(k => $"{k} {stored[k]?.ToJsonString() ?? "null"} → {requested[k]?.ToJsonString() ?? "null"}").ToList();
        return diffs.Count == 0 ? "only settings that never change results differ" : string.Join(", ", diffs.Take(4)) + (diffs.Count > 4 ? $", … ({diffs.Count} settings)" : "");
    }
}
