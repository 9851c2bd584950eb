using System.Runtime.InteropServices;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// The native peer: LAPACK's DSYEVD (eigenvalues only: JOBZ = 'N', UPLO = 'L', row-major) through LAPACKE, and
/// its two-stage variant DSYEVD_2STAGE (LAPACK ≥ 3.7: DSYTRD_SY2SB + DSYTRD_SB2ST) where the library exports it,
/// typically backed by OpenBLAS (Debian: <c>liblapacke</c> + <c>libopenblas0-pthread</c>, installed by
/// <c>bench/install-peers.sh</c>). Loaded lazily with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>, so a
/// machine without it simply reports <see cref="IsAvailable"/> = false. Used as a test oracle and as the
/// performance yardstick of SPEC §5; FastRes itself never needs it.
/// </summary>
public static unsafe class LapackEigen
{
    private const int RowMajor = 101; // LAPACK_ROW_MAJOR

    private static readonly string[] Candidates = ["liblapacke.so.3", "liblapacke.so", "liblapacke.dylib", "liblapacke.dll", "lapacke"];

    private static readonly Lazy<Native?> Loaded = new(Load);

    private sealed class Native(string name, nint dsyevd, nint dsyevd2, nint setThreads, nint coreName)
    {
        public readonly string Name = name;
        public readonly delegate* unmanaged<byte*> CoreName = (delegate* unmanaged<byte*>)coreName;
        public readonly delegate* unmanaged<int, byte, byte, int, double*, int, double*, int> Dsyevd =
            (delegate* unmanaged<int, byte, byte, int, double*, int, double*, int>)dsyevd;
        public readonly delegate* unmanaged<int, byte, byte, int, double*, int, double*, int> Dsyevd2Stage =
            (delegate* unmanaged<int, byte, byte, int, double*, int, double*, int>)dsyevd2;
        public readonly delegate* unmanaged<int, void> SetThreads = (delegate* unmanaged<int, void>)setThreads;
    }

    private static Native? Load()
    {
        foreach (string name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "LAPACKE_dsyevd", out nint dsyevd)) continue;
            // dlsym on LAPACKE's handle also searches its dependencies, where OpenBLAS lives when it is the back end.
            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads);
            NativeLibrary.TryGetExport(handle, "LAPACKE_dsyevd_2stage", out nint dsyevd2);
            NativeLibrary.TryGetExport(handle, "openblas_get_corename", out nint coreName);
            return new Native(name, dsyevd, dsyevd2, setThreads, coreName);
        }
        return null;
    }

    /// <summary>True when LAPACKE_dsyevd could be loaded.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>True when LAPACKE_dsyevd_2stage could be loaded too.</summary>
    public static bool IsTwoStageAvailable => Loaded.Value is { } native && native.Dsyevd2Stage != null;

    /// <summary>The library name that loaded, or null.</summary>
    public static string? LibraryName => Loaded.Value?.Name;

    /// <summary>
    /// The kernel set OpenBLAS chose (openblas_get_corename: "Haswell", "SkylakeX", "Zen", …) — OPENBLAS_CORETYPE when
    /// set, its own CPU detection otherwise; null when LAPACKE is missing or its back end is not OpenBLAS.
    /// </summary>
    public static string? OpenBlasCoreName => Loaded.Value is { } native && native.CoreName != null
        ? System.Runtime.InteropServices.Marshal.PtrToStringAnsi((nint)native.CoreName())
        : null;

    /// <summary>
    /// Sets OpenBLAS's thread count when OpenBLAS is the back end (for side-by-side benchmarks at equal threads).
    /// </summary>
    /// <returns>False when the back end is not OpenBLAS (nothing changed).</returns>
    public static bool TrySetThreads(int threads)
    {
        Native? native = Loaded.Value;
        if (native is null || native.SetThreads == null) return false;
        native.SetThreads(Math.Max(1, threads));
        return true;
    }

    /// <summary>
    /// Eigenvalues, ascending, of the symmetric n×n row-major matrix <paramref name="a"/> (lower triangle read),
    /// by LAPACKE_dsyevd. Copies the matrix (DSYEVD destroys its input).
    /// </summary>
    /// <exception cref="InvalidOperationException">LAPACKE is not available, or DSYEVD reports failure.</exception>
    /// <exception cref="ArgumentException">Lengths do not match n.</exception>
    public static void Eigenvalues(ReadOnlySpan<double> a, int n, Span<double> eigenvalues)
    {
        var copy = new double[(long)n * n];
        Eigenvalues(a, n, eigenvalues, copy);
    }

    /// <summary>As <see cref="Eigenvalues(ReadOnlySpan{double}, int, Span{double})"/> with a caller's n² scratch buffer.</summary>
    /// <param name="twoStage">Call LAPACKE_dsyevd_2stage instead (see <see cref="IsTwoStageAvailable"/>).</param>
    public static void Eigenvalues(ReadOnlySpan<double> a, int n, Span<double> eigenvalues, Span<double> scratch, bool twoStage = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if ((long)n * n != a.Length)
            throw new ArgumentException($"a has length {a.Length}; an {n}×{n} matrix needs {(long)n * n}.", nameof(a));
        if (eigenvalues.Length < n)
            throw new ArgumentException($"eigenvalues has length {eigenvalues.Length}; it needs n = {n}.", nameof(eigenvalues));
        if (scratch.Length < a.Length)
            throw new ArgumentException($"scratch has length {scratch.Length}; it needs n² = {a.Length}.", nameof(scratch));
        Native native = Loaded.Value
            ?? throw new InvalidOperationException($"LAPACKE is not available (tried {string.Join(", ", Candidates)}; run bench/install-peers.sh).");
        if (twoStage && native.Dsyevd2Stage == null)
            throw new InvalidOperationException($"{native.Name} has no LAPACKE_dsyevd_2stage (LAPACK ≥ 3.7 has it).");
        if (n == 0) return;

        a.CopyTo(scratch);
        int info;
        fixed (double* pa = scratch)
        fixed (double* pw = eigenvalues)
            info = twoStage ? native.Dsyevd2Stage(RowMajor, (byte)'N', (byte)'L', n, pa, n, pw)
                : native.Dsyevd(RowMajor, (byte)'N', (byte)'L', n, pa, n, pw);
        if (info != 0)
            throw new InvalidOperationException($"LAPACKE_dsyevd{(twoStage ? "_2stage" : "")} returned info = {info}.");
    }
}
