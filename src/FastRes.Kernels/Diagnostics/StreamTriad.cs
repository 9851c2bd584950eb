using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Diagnostics;

/// <summary>
/// The STREAM triad a[i] = b[i] + s·c[i] (McCalpin, "Memory Bandwidth and Machine Balance in Current High Performance
/// Computers", IEEE TCCA Newsletter, 1995; kernel 4 of stream.c): the sustained memory bandwidth a node's kernels run
/// against, as <see cref="FmaPeak"/> is the compute ceiling. The caller times it over arrays well beyond the last-level
/// cache and counts <see cref="BytesPerElement"/> per element.
/// </summary>
/// <remarks>
/// <para>A multiply then an add, two roundings, at every width (not a fused multiply-add): the scalar path reads
/// like the formula and every width gives the same bits; the kernel is bound by memory, so the fused form would
/// buy nothing.</para>
/// <para>Four vectors per iteration keep several loads in flight per core; the tail that does not fill a vector goes
/// through the scalar formula (an overlapping last vector, as <see cref="Operators.UnaryDriver"/> uses, would be
/// wrong here when a is b or c: it would re-read elements already stored).</para>
/// </remarks>
public static class StreamTriad
{
    /// <summary>
    /// Bytes STREAM counts per element: b and c read, a written (3 × 8 for double). The write-allocate read of a
    /// that most caches do before a store (which makes the bus traffic 32 bytes) is not counted, as in stream.c.
    /// </summary>
    public const int BytesPerElement = 3 * sizeof(double);

    /// <summary>a[i] = b[i] + s·c[i] for i &lt; a.Length, at <paramref name="width"/> (Auto = widest accelerated).</summary>
    /// <exception cref="ArgumentException">b or c is shorter than a.</exception>
    public static void Run(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, double s, SimdWidth width = SimdWidth.Auto)
    {
        if (b.Length < a.Length || c.Length < a.Length)
            throw new ArgumentException($"b ({b.Length}) and c ({c.Length}) must be at least as long as a ({a.Length}).", nameof(b));
        var job = new Job(a, b, c, s);
        SimdDispatch.Run<Job, double>(width, ref job);
    }

    private readonly ref struct Job(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, double s) : ISimdJob<double>
    {
        private readonly Span<double> _a = a;
        private readonly ReadOnlySpan<double> _b = b, _c = c;

        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
            => Triad<TLanes, TVec, double>(_a, _b, _c, s);
    }

    /// <summary>The kernel, once per lane bundle; see the type's remarks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Triad<TLanes, TVec, T>(Span<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> c, T s)
        where TLanes : ILanes<TVec, T>
        where TVec : struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int n = a.Length, w = TLanes.Count;
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T cr = ref MemoryMarshal.GetReference(c);
        TVec q = TLanes.Create(s);
        int i = 0;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            TVec r0 = TLanes.Add(TLanes.Load(in Unsafe.Add(ref br, i)), TLanes.Multiply(q, TLanes.Load(in Unsafe.Add(ref cr, i))));
            TVec r1 = TLanes.Add(TLanes.Load(in Unsafe.Add(ref br, i + w)), TLanes.Multiply(q, TLanes.Load(in Unsafe.Add(ref cr, i + w))));
            TVec r2 = TLanes.Add(TLanes.Load(in Unsafe.Add(ref br, i + 2 * w)), TLanes.Multiply(q, TLanes.Load(in Unsafe.Add(ref cr, i + 2 * w))));
            TVec r3 = TLanes.Add(TLanes.Load(in Unsafe.Add(ref br, i + 3 * w)), TLanes.Multiply(q, TLanes.Load(in Unsafe.Add(ref cr, i + 3 * w))));
            TLanes.Store(r0, ref Unsafe.Add(ref ar, i));
            TLanes.Store(r1, ref Unsafe.Add(ref ar, i + w));
            TLanes.Store(r2, ref Unsafe.Add(ref ar, i + 2 * w));
            TLanes.Store(r3, ref Unsafe.Add(ref ar, i + 3 * w));
        }
        for (; i <= n - w; i += w)
            TLanes.Store(TLanes.Add(TLanes.Load(in Unsafe.Add(ref br, i)), TLanes.Multiply(q, TLanes.Load(in Unsafe.Add(ref cr, i)))), ref Unsafe.Add(ref ar, i));
        for (; i < n; i++)
            a[i] = b[i] + s * c[i];
    }
}
