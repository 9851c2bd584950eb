using System.Buffers.Binary;
using System.IO.Compression;
using NUnit.Framework;

namespace FastRes.Tests.Experiments.Data;

/// <summary>Where the test data live: committed fixtures, and ../shared/data when the checkout sits beside it.</summary>
internal static class TestData
{
    /// <summary>The folder holding FastRes.sln, found by walking up from the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FastRes.sln"))) return dir.FullName;
            throw new InvalidOperationException("FastRes.sln not found above " + TestContext.CurrentContext.TestDirectory);
        }
    }

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "FastRes.Tests", "Fixtures", name);

    public static string DigitsFixture => Fixture("digits-200.csv.gz");

    /// <summary>../shared/data/<paramref name="relative"/>, or Assert.Ignore when this checkout has no shared data.</summary>
    public static string Shared(string relative)
    {
        string path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data", relative));
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Ignore($"{path} is absent (the shared data sit beside the repository on the project machines only)");
        return path;
    }

    public static string MnistFolder => Shared("mnist-10k");

    /// <summary>A fresh empty folder under the system temp folder, deleted at the end of the test.</summary>
    public static TempFolder Temp() => new();

    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("fastres-data-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(raw);
        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>A well-formed IDX images file written by hand: magic 0x803, count, rows, columns, pixels.</summary>
    public static byte[] IdxImages(int count, int rows, int columns, Func<int, byte> pixel)
    {
        var bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = pixel(i - 16);
        return bytes;
    }

    public static byte[] IdxLabels(int count, Func<int, byte> label)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        for (int i = 8; i < bytes.Length; i++) bytes[i] = label(i - 8);
        return bytes;
    }
}
