using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// The one matrix–matrix product the dense → band reduction needs (<see cref="BandReducer{TL,TVec}"/>):
/// C[M×N] += s·L[M×K]·R[K×N], with R and C row-major and L read through two strides, so that one kernel serves
/// L = A (row-major), L = Vᵀ (V row-major: transposed reads) and the rank-2b update's [V W].
/// </summary>
/// <remarks>
/// <para>The micro-kernel is Goto and van de Geijn's ("Anatomy of high-performance matrix multiplication", 2008):
/// an MR × (4 vectors) block of C lives in registers for a whole depth block; per depth step it loads 4 vectors of
/// R and broadcasts MR scalars of L. AVX-512 has 32 vector registers, so its tile is 6 × 32 doubles (24
/// accumulators + 4 loads + a broadcast; 24 FMAs per 10 loads keep both FMA pipes busy); the narrower widths use
/// 2 rows (8 accumulators), which fits the 16 registers of AVX2 without spills.</para>
/// <para>L is not packed: its MR rows are read as broadcasts straight from memory (any stride), and R's 4-vector
/// column strip for one depth block (<see cref="DepthBlock"/> × 32 doubles, 32 KiB) stays in L1 while the row
/// tiles of a block of <see cref="RowBlock"/> rows stream past it. Blocks of C are computed whole by one thread in
/// a fixed order, so a product is bit-identical for every thread count.</para>
/// <para>C's columns are computed in whole tiles: C and R need <see cref="TileColumns"/>-aligned room past N
/// (scratch columns that nothing reads), and rows past M in the last row tile are computed from L's first row of
/// the tile and not stored.</para>
/// </remarks>
internal static class BlockKernels
{
    /// <summary>Depth of one pass of the register tile: R's strip for it, 128 × 32 doubles (32 KiB), stays in L1.</summary>
    public const int DepthBlock = 128;

    /// <summary>Rows of C per parallel work item: a multiple of every tile height (6 and 2).</summary>
    public const int RowBlock = 96;

    /// <summary>Widest tile (AVX-512: 4 vectors of 8): every buffer C or R pads its rows to a multiple of this.</summary>
    public const int MaxTileColumns = 32;

    /// <summary>Columns of the register tile: 4 vectors.</summary>
    public static int TileColumns<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct => 4 * TL.Count;

    /// <summary>Rows of the register tile (6 with 32 vector registers, 2 otherwise).</summary>
    public static int TileRows<TL, TVec>() where TL : struct, ILanes<TVec, double> where TVec : struct
        => typeof(TVec) == typeof(Vector512<double>) ? 6 : 2;

    /// <summary>
    /// Rows [r0, r1) of C += s·L·R: C[r, c] at c[r·ldc + c], L[r, kk] at l[r·ls + kk·lk], R[kk, c] at r[kk·rs + c],
    /// depth <paramref name="depth"/>, columns [0, n) (rounded up to whole tiles: see the type remarks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Product<TL, TVec>(double s, ref double l, int ls, int lk, ref double r, int rs, int depth,
        ref double c, int ldc, int n, int r0, int r1)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int nr = TileColumns<TL, TVec>(), mr = TileRows<TL, TVec>();
        for (int k0 = 0; k0 < depth; k0 += DepthBlock)
        {
            int kc = Math.Min(DepthBlock, depth - k0);
            for (int c0 = 0; c0 < n; c0 += nr)
            {
                ref double rStrip = ref Unsafe.Add(ref r, (nint)k0 * rs + c0);
                for (int row = r0; row < r1; row += mr)
                {
                    ref double lTile = ref Unsafe.Add(ref l, (nint)row * ls + (nint)k0 * lk);
                    ref double cTile = ref Unsafe.Add(ref c, (nint)row * ldc + c0);
                    int rows = Math.Min(mr, r1 - row);
                    if (mr == 6) Tile6<TL, TVec>(s, ref lTile, ls, lk, ref rStrip, rs, kc, ref cTile, ldc, rows);
                    else Tile2<TL, TVec>(s, ref lTile, ls, lk, ref rStrip, rs, kc, ref cTile, ldc, rows);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6<TL, TVec>(double s, ref double l, int ls, int lk, ref double r, int rs, int depth, ref double c, int ldc, int rows)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count;
        // Rows past the matrix read row 0's entries (valid memory) and are not stored.
        nint o1 = rows > 1 ? ls : 0, o2 = rows > 2 ? 2 * ls : 0, o3 = rows > 3 ? 3 * ls : 0, o4 = rows > 4 ? 4 * ls : 0, o5 = rows > 5 ? 5 * ls : 0;
        TVec c00 = TL.Create(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        TVec c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        TVec c40 = c00, c41 = c00, c42 = c00, c43 = c00, c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        ref double lk0 = ref l;
        ref double rk = ref r;
        for (int kk = 0; kk < depth; kk++)
        {
            TVec q0 = TL.Load(in rk), q1 = TL.Load(in Unsafe.Add(ref rk, w));
            TVec q2 = TL.Load(in Unsafe.Add(ref rk, 2 * w)), q3 = TL.Load(in Unsafe.Add(ref rk, 3 * w));
            TVec b = TL.Create(lk0);
            c00 = TL.FusedMultiplyAdd(b, q0, c00); c01 = TL.FusedMultiplyAdd(b, q1, c01); c02 = TL.FusedMultiplyAdd(b, q2, c02); c03 = TL.FusedMultiplyAdd(b, q3, c03);
            b = TL.Create(Unsafe.Add(ref lk0, o1));
            c10 = TL.FusedMultiplyAdd(b, q0, c10); c11 = TL.FusedMultiplyAdd(b, q1, c11); c12 = TL.FusedMultiplyAdd(b, q2, c12); c13 = TL.FusedMultiplyAdd(b, q3, c13);
            b = TL.Create(Unsafe.Add(ref lk0, o2));
            c20 = TL.FusedMultiplyAdd(b, q0, c20); c21 = TL.FusedMultiplyAdd(b, q1, c21); c22 = TL.FusedMultiplyAdd(b, q2, c22); c23 = TL.FusedMultiplyAdd(b, q3, c23);
            b = TL.Create(Unsafe.Add(ref lk0, o3));
            c30 = TL.FusedMultiplyAdd(b, q0, c30); c31 = TL.FusedMultiplyAdd(b, q1, c31); c32 = TL.FusedMultiplyAdd(b, q2, c32); c33 = TL.FusedMultiplyAdd(b, q3, c33);
            b = TL.Create(Unsafe.Add(ref lk0, o4));
            c40 = TL.FusedMultiplyAdd(b, q0, c40); c41 = TL.FusedMultiplyAdd(b, q1, c41); c42 = TL.FusedMultiplyAdd(b, q2, c42); c43 = TL.FusedMultiplyAdd(b, q3, c43);
            b = TL.Create(Unsafe.Add(ref lk0, o5));
            c50 = TL.FusedMultiplyAdd(b, q0, c50); c51 = TL.FusedMultiplyAdd(b, q1, c51); c52 = TL.FusedMultiplyAdd(b, q2, c52); c53 = TL.FusedMultiplyAdd(b, q3, c53);
            lk0 = ref Unsafe.Add(ref lk0, lk);
            rk = ref Unsafe.Add(ref rk, rs);
        }
        TVec vs = TL.Create(s);
        AddRow<TL, TVec>(vs, ref c, w, c00, c01, c02, c03);
        if (rows > 1) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, ldc), w, c10, c11, c12, c13);
        if (rows > 2) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, 2 * ldc), w, c20, c21, c22, c23);
        if (rows > 3) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, 3 * ldc), w, c30, c31, c32, c33);
        if (rows > 4) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, 4 * ldc), w, c40, c41, c42, c43);
        if (rows > 5) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, 5 * ldc), w, c50, c51, c52, c53);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile2<TL, TVec>(double s, ref double l, int ls, int lk, ref double r, int rs, int depth, ref double c, int ldc, int rows)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        int w = TL.Count;
        nint o1 = rows > 1 ? ls : 0;
        TVec c00 = TL.Create(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        ref double lk0 = ref l;
        ref double rk = ref r;
        for (int kk = 0; kk < depth; kk++)
        {
            TVec q0 = TL.Load(in rk), q1 = TL.Load(in Unsafe.Add(ref rk, w));
            TVec q2 = TL.Load(in Unsafe.Add(ref rk, 2 * w)), q3 = TL.Load(in Unsafe.Add(ref rk, 3 * w));
            TVec b = TL.Create(lk0);
            c00 = TL.FusedMultiplyAdd(b, q0, c00); c01 = TL.FusedMultiplyAdd(b, q1, c01); c02 = TL.FusedMultiplyAdd(b, q2, c02); c03 = TL.FusedMultiplyAdd(b, q3, c03);
            b = TL.Create(Unsafe.Add(ref lk0, o1));
            c10 = TL.FusedMultiplyAdd(b, q0, c10); c11 = TL.FusedMultiplyAdd(b, q1, c11); c12 = TL.FusedMultiplyAdd(b, q2, c12); c13 = TL.FusedMultiplyAdd(b, q3, c13);
            lk0 = ref Unsafe.Add(ref lk0, lk);
            rk = ref Unsafe.Add(ref rk, rs);
        }
        TVec vs = TL.Create(s);
        AddRow<TL, TVec>(vs, ref c, w, c00, c01, c02, c03);
        if (rows > 1) AddRow<TL, TVec>(vs, ref Unsafe.Add(ref c, ldc), w, c10, c11, c12, c13);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<TL, TVec>(TVec s, ref double c, int w, TVec x0, TVec x1, TVec x2, TVec x3)
        where TL : struct, ILanes<TVec, double> where TVec : struct
    {
        TL.Store(TL.FusedMultiplyAdd(s, x0, TL.Load(in c)), ref c);
        TL.Store(TL.FusedMultiplyAdd(s, x1, TL.Load(in Unsafe.Add(ref c, w))), ref Unsafe.Add(ref c, w));
        TL.Store(TL.FusedMultiplyAdd(s, x2, TL.Load(in Unsafe.Add(ref c, 2 * w))), ref Unsafe.Add(ref c, 2 * w));
        TL.Store(TL.FusedMultiplyAdd(s, x3, TL.Load(in Unsafe.Add(ref c, 3 * w))), ref Unsafe.Add(ref c, 3 * w));
    }
}
