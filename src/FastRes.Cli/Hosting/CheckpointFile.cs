using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FastRes.Experiments;
using FastRes.Experiments.Checkpoints;

namespace FastRes.Cli.Hosting;

/// <summary>What a checkpoint belongs to: a run of one experiment, config and shard, cut into blocks of one size.</summary>
public sealed record CheckpointIdentity(string Experiment, string ConfigHash, string Version, string Shard, int BlockTrials);

/// <summary>
/// <c>DIR/checkpoint.log</c>: an append-only journal of finished trial blocks, so that a run killed at any point
/// (Ctrl-C, SIGTERM from Slurm, SIGKILL, a node crash) resumes with <c>--resume DIR</c> and ends with exactly the
/// counts of an uninterrupted run.
/// <para>Format: UTF-8 text, one record per line, fields separated by tabs, the last field the first 16 hex digits
/// of the SHA-256 of everything before it on the line (its tab included):</para>
/// <code>
/// fastres-checkpoint  1  EXPERIMENT  CONFIG_HASH  VERSION  SHARD  BLOCK_TRIALS  SUM
/// block  CELL  INDEX  START  END  TALLY(comma list of integers)  SUM
/// </code>
/// <para>Durability: each record goes to the kernel in one write() as soon as its block finishes, so killing the
/// process loses at most the blocks still running; the file is fsync'ed at most <see cref="SyncInterval"/> after a
/// record (on the next record or by a timer) and when the run ends or stops, which bounds what a machine crash can lose. Lost blocks are simply run
/// again — a block is counted when its record is read back whole, never partially.</para>
/// <para>Reading back: a last line without its newline (or trailing NUL bytes, what a crash can leave after an
/// extended file size) is the torn tail of a write that never completed; it is dropped and truncated away, since its
/// block was not counted anywhere and will be rerun. Any complete line with a bad checksum, an unknown shape or a
/// duplicate block means the file was damaged or edited: refused, never guessed at. A header for another experiment,
/// config, version, shard or block size is a foreign checkpoint: refused.</para>
/// </summary>
public sealed class CheckpointFile : ITrialBlockJournal, IDisposable
{
    public const string FileName = "checkpoint.log";
    public static readonly TimeSpan SyncInterval = TimeSpan.FromSeconds(1);
    private const string Magic = "fastres-checkpoint";
    private const string FormatVersion = "1";

    private readonly object _gate = new();
    private readonly FileStream _stream;
    private readonly Dictionary<(string, long), CompletedBlock> _completed;
    private readonly Stopwatch _sinceSync = Stopwatch.StartNew();
    private readonly Timer _syncTimer;
    private bool _dirty;

    public string Path { get; }
    /// <summary>Blocks read back from an earlier run.</summary>
    public int Resumed { get; }
    /// <summary>Bytes of a torn last record dropped on opening.</summary>
    public int DroppedTornBytes { get; }
    /// <summary>Blocks recorded by this process.</summary>
    public int Recorded { get; private set; }

    private CheckpointFile(string path, FileStream stream, Dictionary<(string, long), CompletedBlock> completed, int dropped)
    {
        Path = path;
        _stream = stream;
        _completed = completed;
        Resumed = completed.Count;
        DroppedTornBytes = dropped;
        // Records also trigger a sync once SyncInterval has passed; the timer covers a quiet spell after the last one.
        _syncTimer = new Timer(_ => SyncIfDue(), null, SyncInterval, SyncInterval);
    }

    /// <summary>A fresh journal for a new run in <paramref name="folder"/> (an older checkpoint there is replaced).</summary>
    public static CheckpointFile Create(string folder, CheckpointIdentity identity)
    {
        string path = System.IO.Path.Combine(folder, FileName);
        var stream = Open(path, FileMode.Create);
        var journal = new CheckpointFile(path, stream, [], 0);
        journal.Append(HeaderLine(identity));
        journal.Sync();
        return journal;
    }

    /// <summary>
    /// The journal of an interrupted run, checked against <paramref name="identity"/>; throws
    /// <see cref="BadInputException"/> (field --resume) for a corrupt or foreign file. No file (killed before the
    /// first record) means nothing was finished: a fresh journal.
    /// </summary>
    public static CheckpointFile Resume(string folder, CheckpointIdentity identity)
    {
        string path = System.IO.Path.Combine(folder, FileName);
        if (!File.Exists(path)) return Create(folder, identity);
        var stream = Open(path, FileMode.Open);
        try
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var (completed, valid) = Parse(bytes, path, identity);
            int dropped = bytes.Length - valid;
            if (valid == 0)
            {
                // Not even a whole header survived: nothing was recorded.
                stream.SetLength(0);
                var fresh = new CheckpointFile(path, stream, [], dropped);
                fresh.Append(HeaderLine(identity));
                fresh.Sync();
                return fresh;
            }
            // Cut the torn tail so the next record starts on a line of its own.
            if (dropped > 0) { stream.SetLength(valid); stream.Flush(flushToDisk: true); }
            stream.Seek(0, SeekOrigin.End);
            return new CheckpointFile(path, stream, completed, dropped);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public bool TryGetCompleted(string cell, long index, out CompletedBlock block)
    {
        lock (_gate) return _completed.TryGetValue((cell, index), out block!);
    }

    public void Record(CompletedBlock block)
    {
        string line = Line(["block", block.Cell, I(block.Index), I(block.Start), I(block.End), string.Join(",", block.Tally.Select(I))]);
        lock (_gate)
        {
            if (!_completed.TryAdd(block.Key, block))
                throw new InvalidOperationException($"block {block.Cell} #{block.Index} finished twice");
            Append(line);
            Recorded++;
            if (_sinceSync.Elapsed >= SyncInterval) Sync();
        }
    }

    /// <summary>Forces everything recorded so far to disk (fsync).</summary>
    public void Sync()
    {
        lock (_gate)
        {
            if (_dirty) _stream.Flush(flushToDisk: true);
            _dirty = false;
            _sinceSync.Restart();
        }
    }

    private void SyncIfDue()
    {
        lock (_gate)
        {
            if (_disposed || !_dirty) return;
            try { Sync(); }
            catch (IOException) { } // the next record or Dispose reports it
        }
    }

    private bool _disposed;

    public void Dispose()
    {
        _syncTimer.Dispose();
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try { Sync(); }
            finally { _stream.Dispose(); }
        }
    }

    private void Append(string line)
    {
        // One write() per record: the buffer is off, so a killed process leaves whole records or a torn last one.
        _stream.Write(Encoding.UTF8.GetBytes(line));
        _dirty = true;
    }

    private static FileStream Open(string path, FileMode mode)
        => new(path, mode, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.None);

    private static string HeaderLine(CheckpointIdentity id)
        => Line([Magic, FormatVersion, id.Experiment, id.ConfigHash, id.Version, id.Shard, I(id.BlockTrials)]);

    private static string Line(IEnumerable<string> fields)
    {
        string body = string.Join('\t', fields) + '\t';
        return body + Sum(body) + "\n";
    }

    private static string Sum(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)), 0, 8);

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The completed blocks and the length of the valid prefix (whole, checked lines).</summary>
    private static (Dictionary<(string, long), CompletedBlock> Completed, int Valid) Parse(byte[] bytes, string path, CheckpointIdentity expected)
    {
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] == 0) end--; // zero fill a crash can leave past the last real write
        int valid = Array.LastIndexOf(bytes, (byte)'\n', Math.Max(0, end - 1)) + 1;
        if (end == 0) valid = 0;
        if (bytes.AsSpan(0, valid).Contains((byte)0))
            throw Corrupt(path, "holds NUL bytes before its last record");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, valid); }
        catch (DecoderFallbackException) { throw Corrupt(path, "is not UTF-8 text"); }

        var completed = new Dictionary<(string, long), CompletedBlock>();
        string[] lines = text.Split('\n');
        for (int n = 0; n < lines.Length - 1; n++)
        {
            string line = lines[n];
            int tab = line.LastIndexOf('\t');
            if (tab < 0 || line[(tab + 1)..] != Sum(line[..(tab + 1)]))
                throw Corrupt(path, $"fails its checksum at line {n + 1}");
            string[] f = line[..tab].Split('\t');
            if (n == 0)
            {
                if (f.Length != 7 || f[0] != Magic) throw Corrupt(path, "does not start with a fastres checkpoint header");
                if (f[1] != FormatVersion) throw Foreign(path, $"is format {f[1]}, this fastres reads format {FormatVersion}");
                var found = new CheckpointIdentity(f[2], f[3], f[4], f[5], int.TryParse(f[6], CultureInfo.InvariantCulture, out int bt) ? bt : -1);
                if (found.Experiment != expected.Experiment) throw Foreign(path, $"belongs to a {found.Experiment} run, not {expected.Experiment}");
                if (found.ConfigHash != expected.ConfigHash) throw Foreign(path, $"belongs to config {found.ConfigHash[..Math.Min(12, found.ConfigHash.Length)]}…, not {expected.ConfigHash[..12]}… (another run's checkpoint)");
                if (found.Version != expected.Version) throw Foreign(path, $"was written by fastres {found.Version}, this is {expected.Version}; resume with that version");
                if (found.Shard != expected.Shard) throw Foreign(path, $"is for shard {found.Shard}, not {expected.Shard}");
                if (found.BlockTrials != expected.BlockTrials) throw Foreign(path, $"uses blocks of {found.BlockTrials} trials, not {expected.BlockTrials}");
                continue;
            }
            if (f.Length != 6 || f[0] != "block"
                || !long.TryParse(f[2], CultureInfo.InvariantCulture, out long index)
                || !long.TryParse(f[3], CultureInfo.InvariantCulture, out long start)
                || !long.TryParse(f[4], CultureInfo.InvariantCulture, out long stop))
                throw Corrupt(path, $"has a malformed record at line {n + 1}");
            long[] tally;
            try { tally = f[5].Split(',').Select(t => long.Parse(t, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray(); }
            catch (FormatException) { throw Corrupt(path, $"has a malformed tally at line {n + 1}"); }
            catch (OverflowException) { throw Corrupt(path, $"has a malformed tally at line {n + 1}"); }
            var block = new CompletedBlock(f[1], index, start, stop, tally);
            if (!completed.TryAdd(block.Key, block)) throw Corrupt(path, $"records block {f[1]} #{index} twice (line {n + 1})");
        }
        return (completed, valid);
    }

    private static BadInputException Corrupt(string path, string what)
        => new("--resume", $"checkpoint {path} {what}: it is corrupt; delete it to rerun the shard from the start");

    private static BadInputException Foreign(string path, string what)
        => new("--resume", $"checkpoint {path} {what}; refusing to mix runs");
}
