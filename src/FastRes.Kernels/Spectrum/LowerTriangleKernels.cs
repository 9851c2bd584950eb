using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// The BLAS-2/BLAS-3 pieces of the Householder tridiagonalization, on the lower triangle of a row-major matrix
/// with row stride <c>lda</c>: element (r, c), c ≤ r, lives at <c>a[r·lda + c]</c>. Written once, generic over the
/// lane width TL (Vector512/256/128 or scalar); <see cref="Lanes1{T}"/> is the reference.
/// </summary>
/// <remarks>
/// Why the lower triangle in row-major order: row r of the lower triangle, a[r, 0..r], is contiguous, so both
/// halves of a symmetric matrix–vector product (the dot with row r, and the axpy of row r into the columns it
/// mirrors) stream unit-stride memory, and a rank-2k update of row r is an unit-stride update too. The same memory
/// read as column-major is LAPACK's upper triangle, which is why the reduction follows DSYTRD/DLATRD with
/// UPLO = 'U' (reflectors annihilate a row from its left end, the active block shrinks from the bottom).
/// Entries right of the diagonal are scratch: the blocked update may write there and nothing reads them.
/// <para>Every kernel is compiled straight to optimized code (AggressiveOptimization): a decomposition calls them
/// thousands of times within its first second, and their Tier-0 versions, with the lane operations not inlined,
/// are an order of magnitude slower — enough to distort short benchmarks.</para>
/// </remarks>
internal static class LowerTriangleKernels
{
    /// <summary>Rows of the register tile of <see cref="UpdateTile"/>.</summary>
    public const int TileRows = 4;

    /// <summary>Columns of the register tile: three vectors (12 accumulators + 3 loads + 1 broadcast ≤ 16 registers, so AVX2 does not spill).</summary>
    public static int TileColumns<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct => 3 * TL.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Sum<TL, TVec>(TVec v) where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        // ILanes has no horizontal sum; the lane-by-lane fallback costs more than the row's tail, so use the
        // hardware shuffles where the type is known (the JIT folds these tests per instantiation).
        if (typeof(TVec) == typeof(Vector512<double>)) return Vector512.Sum(Unsafe.As<TVec, Vector512<double>>(ref v));
        if (typeof(TVec) == typeof(Vector256<double>)) return Vector256.Sum(Unsafe.As<TVec, Vector256<double>>(ref v));
        if (typeof(TVec) == typeof(Vector128<double>)) return Vector128.Sum(Unsafe.As<TVec, Vector128<double>>(ref v));
        double s = 0;
        for (int k = 0; k < TL.Count; k++) s += TL.GetLane(v, k);
        return s;
    }

    /// <summary>Σ x[i]·y[i] over <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot<TL, TVec>(ref double x, ref double y, int length) where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count, i = 0;
        TVec s0 = TL.Create(0), s1 = s0;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            s0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref x, i)), TL.Load(in Unsafe.Add(ref y, i)), s0);
            s1 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref x, i + w)), TL.Load(in Unsafe.Add(ref y, i + w)), s1);
        }
        for (; i <= length - w; i += w)
            s0 = TL.FusedMultiplyAdd(TL.Load(in Unsafe.Add(ref x, i)), TL.Load(in Unsafe.Add(ref y, i)), s0);
        double s = Sum<TL, TVec>(TL.Add(s0, s1));
        for (; i < length; i++) s = Math.FusedMultiplyAdd(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), s);
        return s;
    }

    /// <summary>y[i] += alpha·x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy<TL, TVec>(double alpha, ref double x, ref double y, int length) where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count, i = 0;
        TVec va = TL.Create(alpha);
        for (; i <= length - w; i += w)
            TL.Store(TL.FusedMultiplyAdd(va, TL.Load(in Unsafe.Add(ref x, i)), TL.Load(in Unsafe.Add(ref y, i))), ref Unsafe.Add(ref y, i));
        for (; i < length; i++) Unsafe.Add(ref y, i) = Math.FusedMultiplyAdd(alpha, Unsafe.Add(ref x, i), Unsafe.Add(ref y, i));
    }

    /// <summary>x[i] *= alpha.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale<TL, TVec>(double alpha, ref double x, int length) where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count, i = 0;
        TVec va = TL.Create(alpha);
        for (; i <= length - w; i += w)
            TL.Store(TL.Multiply(va, TL.Load(in Unsafe.Add(ref x, i))), ref Unsafe.Add(ref x, i));
        for (; i < length; i++) Unsafe.Add(ref x, i) *= alpha;
    }

    /// <summary>
    /// Rows [r0, r1) of y = A·v for the symmetric matrix whose lower triangle is <paramref name="a"/>:
    /// y[r] = Σ_{c ≤ r} a[r,c]·v[c] (the row's own dot), and the mirrored upper half, a[r,c]·v[r] for c &lt; r,
    /// accumulated into <paramref name="mirror"/>[c]. The full product is y + Σ over row chunks of mirror.
    /// </summary>
    /// <remarks>
    /// One pass over each row does both halves (the triangle is read once: this product is memory-bound and is
    /// half of all the reduction's flops). Two rows at a time share every load of v and every load/store of
    /// mirror, and two vectors per iteration give four independent dot accumulators and two independent mirror
    /// chains: per iteration 4 row loads + 2 v loads + 2 mirror loads and stores for 8 FMAs. (Measured: a 4-row,
    /// 1-vector variant ran at less than half this speed from L2, bound by its longer dependency chains.)
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SymvRows<TL, TVec>(ref double a, int lda, ref double v, ref double y, ref double mirror, int r0, int r1)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count;
        int r = r0;
        for (; r + 2 <= r1; r += 2)
        {
            ref double a0 = ref Unsafe.Add(ref a, (nint)r * lda);
            ref double a1 = ref Unsafe.Add(ref a0, lda);
            double v0 = Unsafe.Add(ref v, r), v1 = Unsafe.Add(ref v, r + 1);
            TVec b0 = TL.Create(v0), b1 = TL.Create(v1);
            TVec s0 = TL.Create(0), s1 = s0, s2 = s0, s3 = s0;
            int c = 0;
            for (; c <= r - 2 * w; c += 2 * w)
            {
                TVec x0 = TL.Load(in Unsafe.Add(ref a0, c)), x1 = TL.Load(in Unsafe.Add(ref a1, c));
                TVec z0 = TL.Load(in Unsafe.Add(ref a0, c + w)), z1 = TL.Load(in Unsafe.Add(ref a1, c + w));
                TVec vv = TL.Load(in Unsafe.Add(ref v, c)), vw = TL.Load(in Unsafe.Add(ref v, c + w));
                s0 = TL.FusedMultiplyAdd(x0, vv, s0);
                s1 = TL.FusedMultiplyAdd(x1, vv, s1);
                s2 = TL.FusedMultiplyAdd(z0, vw, s2);
                s3 = TL.FusedMultiplyAdd(z1, vw, s3);
                ref double m = ref Unsafe.Add(ref mirror, c);
                TL.Store(TL.FusedMultiplyAdd(x1, b1, TL.FusedMultiplyAdd(x0, b0, TL.Load(in m))), ref m);
                ref double mw = ref Unsafe.Add(ref m, w);
                TL.Store(TL.FusedMultiplyAdd(z1, b1, TL.FusedMultiplyAdd(z0, b0, TL.Load(in mw))), ref mw);
            }
            for (; c <= r - w; c += w)
            {
                TVec x0 = TL.Load(in Unsafe.Add(ref a0, c)), x1 = TL.Load(in Unsafe.Add(ref a1, c));
                TVec vv = TL.Load(in Unsafe.Add(ref v, c));
                s0 = TL.FusedMultiplyAdd(x0, vv, s0);
                s1 = TL.FusedMultiplyAdd(x1, vv, s1);
                ref double m = ref Unsafe.Add(ref mirror, c);
                TL.Store(TL.FusedMultiplyAdd(x1, b1, TL.FusedMultiplyAdd(x0, b0, TL.Load(in m))), ref m);
            }
            double d0 = Sum<TL, TVec>(TL.Add(s0, s2)), d1 = Sum<TL, TVec>(TL.Add(s1, s3));
            for (; c < r; c++)
            {
                double vc = Unsafe.Add(ref v, c);
                double x0 = Unsafe.Add(ref a0, c), x1 = Unsafe.Add(ref a1, c);
                d0 = Math.FusedMultiplyAdd(x0, vc, d0);
                d1 = Math.FusedMultiplyAdd(x1, vc, d1);
                Unsafe.Add(ref mirror, c) = Math.FusedMultiplyAdd(x1, v1, Math.FusedMultiplyAdd(x0, v0, Unsafe.Add(ref mirror, c)));
            }
            // The 2×2 corner: columns r, r+1 of these rows.
            double a10 = Unsafe.Add(ref a1, r);
            Unsafe.Add(ref y, r) = Math.FusedMultiplyAdd(Unsafe.Add(ref a0, r), v0, d0);
            Unsafe.Add(ref y, r + 1) = Math.FusedMultiplyAdd(Unsafe.Add(ref a1, r + 1), v1, Math.FusedMultiplyAdd(a10, v0, d1));
            Unsafe.Add(ref mirror, r) = Math.FusedMultiplyAdd(a10, v1, Unsafe.Add(ref mirror, r));
        }
        for (; r < r1; r++)
        {
            ref double ar = ref Unsafe.Add(ref a, (nint)r * lda);
            double vr = Unsafe.Add(ref v, r);
            double s = Dot<TL, TVec>(ref ar, ref v, r);
            Axpy<TL, TVec>(vr, ref ar, ref mirror, r);
            Unsafe.Add(ref y, r) = Math.FusedMultiplyAdd(Unsafe.Add(ref ar, r), vr, s);
        }
    }

    /// <summary>Rows [r0, r1) of the symmetric rank-2 update A −= v·wᵀ + w·vᵀ (lower triangle, diagonal included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rank2Rows<TL, TVec>(ref double a, int lda, ref double v, ref double w, int r0, int r1)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int lanes = TL.Count;
        for (int r = r0; r < r1; r++)
        {
            ref double ar = ref Unsafe.Add(ref a, (nint)r * lda);
            double vr = -Unsafe.Add(ref v, r), wr = -Unsafe.Add(ref w, r);
            TVec bv = TL.Create(vr), bw = TL.Create(wr);
            int c = 0;
            for (; c <= r + 1 - lanes; c += lanes)
            {
                TVec x = TL.FusedMultiplyAdd(bv, TL.Load(in Unsafe.Add(ref w, c)), TL.Load(in Unsafe.Add(ref ar, c)));
                TL.Store(TL.FusedMultiplyAdd(bw, TL.Load(in Unsafe.Add(ref v, c)), x), ref Unsafe.Add(ref ar, c));
            }
            for (; c <= r; c++)
                Unsafe.Add(ref ar, c) = Math.FusedMultiplyAdd(wr, Unsafe.Add(ref v, c), Math.FusedMultiplyAdd(vr, Unsafe.Add(ref w, c), Unsafe.Add(ref ar, c)));
        }
    }

    /// <summary>
    /// C[0..rows, 0..3·W) −= P·Q for one register tile: P is the packed k×<see cref="TileRows"/> slice
    /// (<paramref name="p"/>[kk·4 + i]), Q the packed k×3W slice (<paramref name="q"/>[kk·3W + j]), C row-major
    /// with stride <paramref name="ldc"/>. Rows past <paramref name="rows"/> are computed (from zero padding) but
    /// not stored.
    /// </summary>
    /// <remarks>
    /// The GEMM micro-kernel of Goto and van de Geijn ("Anatomy of high-performance matrix multiplication", 2008):
    /// 12 vector accumulators live in registers for the whole k loop; per kk it loads 3 vectors of Q and
    /// broadcasts 4 scalars of P for 12 FMAs, so the FMA units, not the loads, set the pace.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UpdateTile<TL, TVec>(ref double p, ref double q, int k, ref double c, int ldc, int rows)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count, nr = 3 * w;
        TVec c00 = TL.Create(0), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        TVec c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int kk = 0; kk < k; kk++)
        {
            ref double qk = ref Unsafe.Add(ref q, kk * nr);
            ref double pk = ref Unsafe.Add(ref p, kk * TileRows);
            TVec q0 = TL.Load(in qk), q1 = TL.Load(in Unsafe.Add(ref qk, w)), q2 = TL.Load(in Unsafe.Add(ref qk, 2 * w));
            TVec b = TL.Create(pk);
            c00 = TL.FusedMultiplyAdd(b, q0, c00); c01 = TL.FusedMultiplyAdd(b, q1, c01); c02 = TL.FusedMultiplyAdd(b, q2, c02);
            b = TL.Create(Unsafe.Add(ref pk, 1));
            c10 = TL.FusedMultiplyAdd(b, q0, c10); c11 = TL.FusedMultiplyAdd(b, q1, c11); c12 = TL.FusedMultiplyAdd(b, q2, c12);
            b = TL.Create(Unsafe.Add(ref pk, 2));
            c20 = TL.FusedMultiplyAdd(b, q0, c20); c21 = TL.FusedMultiplyAdd(b, q1, c21); c22 = TL.FusedMultiplyAdd(b, q2, c22);
            b = TL.Create(Unsafe.Add(ref pk, 3));
            c30 = TL.FusedMultiplyAdd(b, q0, c30); c31 = TL.FusedMultiplyAdd(b, q1, c31); c32 = TL.FusedMultiplyAdd(b, q2, c32);
        }
        SubtractRow<TL, TVec>(ref c, w, c00, c01, c02);
        if (rows > 1) SubtractRow<TL, TVec>(ref Unsafe.Add(ref c, ldc), w, c10, c11, c12);
        if (rows > 2) SubtractRow<TL, TVec>(ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, c22);
        if (rows > 3) SubtractRow<TL, TVec>(ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, c32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SubtractRow<TL, TVec>(ref double c, int w, TVec x0, TVec x1, TVec x2)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        TL.Store(TL.Subtract(TL.Load(in c), x0), ref c);
        TL.Store(TL.Subtract(TL.Load(in Unsafe.Add(ref c, w)), x1), ref Unsafe.Add(ref c, w));
        TL.Store(TL.Subtract(TL.Load(in Unsafe.Add(ref c, 2 * w)), x2), ref Unsafe.Add(ref c, 2 * w));
    }
}
