using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Stage 1 of the two-stage tridiagonalization: a symmetric matrix reduced to a band of half-width b by
/// orthogonal similarity, with every O(n³) operation a matrix–matrix product — our own implementation of the
/// algorithm of Reference-LAPACK's DSYTRD_SY2SB (Haidar, Ltaief, Dongarra 2011; Bischof, Lang, Sun's SBR toolbox),
/// written for the row-major storage of <see cref="SymmetricEigen"/>. Stage 2 (band → tridiagonal, bulge chasing)
/// is BandTridiagonalizer.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> The one-stage reduction (<see cref="TridiagonalReducer{TL,TVec}"/>) spends half its flops in a
/// symmetric matrix–vector product per column, which streams the trailing matrix from memory n times: above
/// n ≈ 3,000 it is memory-bound. Here the trailing matrix is read a small constant number of times per panel of b
/// columns, so the reduction runs at the speed of the product kernel (<see cref="BlockKernels"/>).</para>
/// <para><b>One panel</b> (active block m×m, k = m − b, from the bottom right as in the one-stage code). The b rows
/// m−b … m−1 restricted to columns 0 … k−1 form a b×k block B; an RQ factorization by Householder reflectors
/// (row m−1−p reflected onto column k−1−p, applied to the rows above it) gives B·Q = [0 R] with R upper
/// triangular, so those rows now end in the band. With Q = H₀H₁⋯ = I − V T Vᵀ (compact WY, T from DLARFT's
/// recurrence on the Gram matrix VᵀV), the trailing block A₁₁ = A[0..k, 0..k] becomes Qᵀ A₁₁ Q = A₁₁ − V Wᵀ − W Vᵀ
/// with X = A₁₁ V T and W = X − ½ V (Tᵀ Vᵀ X): two products of order k²b (A₁₁V and the rank-2b update) and four
/// of order kb².</para>
/// <para><b>Storage.</b> The matrix is kept whole (both triangles): A₁₁V is then a plain product over full rows and
/// the rank-2b update is one product too, at 1.5× the flops of a lower-triangle-only SYMM + SYR2K but with one
/// unit-stride kernel for all of it. The reflector for row i is left in that row left of the band (stage 2 reads
/// only the band); entries right of the diagonal of finished rows are scratch.</para>
/// <para><b>Determinism.</b> Every product is split into row blocks of fixed size, each computed by one thread in
/// a fixed order, and everything else runs on the calling thread: the band is bit-identical for every thread count.</para>
/// </remarks>
internal sealed class BandReducer<TL, TVec> : ITeamWork
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
{
    private readonly SymmetricEigenWorkspace _ws;
    private BandReductionBuffers _buf = null!;

    /// <summary>
    /// Diagonal blocks of this order are kept whole (both triangles), everything else in the lower triangle only: a
    /// multiple of every tile height (6, 2) and width (32, 16, 8, 4), so tiles never straddle a block edge.
    /// </summary>
    internal const int DiagonalBlock = BlockKernels.RowBlock;

    /// <summary>Reflectors made before the panel rows above them are updated (see <see cref="FactorPanel"/>).</summary>
    internal const int PanelGroup = 8;

    private const int PanelRowsPerItem = 4;

    private const int ModeRows = 0, ModeLowerProduct = 1, ModeUpperProduct = 2, ModeRank2 = 3, ModePanel = 4;
    private int _mode, _k, _lda, _bp, _ldvw, _ldq, _m, _g0, _g1, _panelRows;

    // The product the team is running in ModeRows: C[rows, 0..n) += s·L·R.
    private double[] _l = [], _r = [], _c = [];
    private int _lOffset, _ls, _lk, _rOffset, _rs, _depth, _cOffset, _ldc, _n, _rowEnd;
    private double _s;

    public BandReducer(SymmetricEigenWorkspace ws) => _ws = ws;

    /// <summary>
    /// Reduces the full symmetric matrix in <c>ws.Matrix</c> (order n, stride lda, both triangles) in place to half-bandwidth
    /// b: afterwards a[i·lda + j] for max(0, i − b) ≤ j ≤ i is the lower band of a matrix orthogonally similar to A.
    /// </summary>
    /// <param name="cancellationToken">Polled before every panel, on the calling thread with the team idle.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reduce(int n, int lda, int b, WorkerTeam team, CancellationToken cancellationToken = default)
    {
        double[] a = _ws.Matrix;
        var buf = _buf = _ws.BandBuffers(b);
        int bp = buf.PaddedBand, ldvw = buf.VwStride, ldq = buf.WvtStride;
        double[] vw = buf.Vw, wvt = buf.Wvt, x1 = buf.X1, x = buf.X, g = buf.Gram, t = buf.T, y = buf.Y, mm = buf.M;
        Span<double> tau = buf.Tau.AsSpan(0, b);

        for (int m = n; m > b + 1; m -= b)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int k = m - b;
            int reflectors = FactorPanel(a, lda, m, k, b, tau, vw, ldvw, team);

            // T (upper triangular, Q = I − V T Vᵀ for Q = H₀H₁⋯, DLARFT 'F','C'): T[p,p] = τ_p and
            // T[0..p, p] = −τ_p · T[0..p, 0..p] · (VᵀV)[0..p, p].
            Array.Clear(g, 0, b * bp);
            Run(WorkerTeam.Single, 1, vw, 0, 1, ldvw, vw, 0, ldvw, k, g, 0, bp, bp, b);
            Array.Clear(t, 0, b * bp);
            for (int p = 0; p < reflectors; p++)
            {
                t[p * bp + p] = tau[p];
                if (tau[p] == 0) continue;
                for (int q = 0; q < p; q++)
                {
                    double sum = 0;
                    for (int j = q; j < p; j++) sum = Math.FusedMultiplyAdd(t[q * bp + j], g[j * bp + p], sum);
                    t[q * bp + p] = -tau[p] * sum;
                }
            }

            // X₁ = A₁₁ V from the stored part of A₁₁ (see the remarks), then X = X₁ T.
            Symmetric(team, k, lda, bp, ldvw, ldq);
            Array.Clear(x, 0, k * bp);
            Run(team, 1, x1, 0, bp, 1, t, 0, bp, b, x, 0, bp, bp, k);

            // M = −½ Tᵀ (Vᵀ X), then W = X + V M into the right half of VW.
            Array.Clear(y, 0, b * bp);
            Run(WorkerTeam.Single, 1, vw, 0, 1, ldvw, x, 0, bp, k, y, 0, bp, bp, b);
            Array.Clear(mm, 0, b * bp);
            for (int p = 0; p < b; p++)
                for (int q = 0; q < b; q++)
                {
                    double sum = 0;
                    for (int j = 0; j <= p; j++) sum = Math.FusedMultiplyAdd(t[j * bp + p], y[j * bp + q], sum);
                    mm[p * bp + q] = -0.5 * sum;
                }
            for (int r = 0; r < k; r++)
                Array.Copy(x, r * bp, vw, r * ldvw + bp, bp);
            Run(team, 1, vw, 0, ldvw, 1, mm, 0, bp, b, vw, bp, ldvw, bp, k);

            // R = [W V]ᵀ (2bp × k), the right operand of A₁₁ −= [V W]·[W V]ᵀ.
            for (int r = 0; r < k; r++)
            {
                int row = r * ldvw;
                for (int q = 0; q < bp; q++)
                {
                    wvt[q * ldq + r] = vw[row + bp + q];
                    wvt[(bp + q) * ldq + r] = vw[row + q];
                }
            }
            _mode = ModeRank2;
            _k = k;
            _lda = lda;
            team.Run(this, (k + DiagonalBlock - 1) / DiagonalBlock);
        }
    }

    /// <summary>
    /// The RQ factorization of the panel rows m−b … m−1 over columns 0 … k−1: row i = m−1−p is reflected onto column
    /// k−1−p (its entries left of that become zero, β is stored at k−1−p, the reflector's other entries stay left of
    /// it) and the reflector applied to the panel rows above it. V's column p (with its unit entry and zeros) goes to
    /// <paramref name="vw"/>[r·ldvw + p].
    /// </summary>
    /// <remarks>
    /// Reflectors are made in groups of <see cref="PanelGroup"/>: each is applied at once to the rows of its group
    /// still to come, and the whole group then to every panel row above it, one row at a time (in parallel over
    /// rows), so a row is streamed once per group rather than once per reflector. Each row still sees the reflectors
    /// one by one in order, so the result is that of the plain unblocked factorization, bit for bit.
    /// </remarks>
    /// <returns>The number of reflectors (fewer than b when k ≤ b).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FactorPanel(double[] a, int lda, int m, int k, int b, Span<double> tau, double[] vw, int ldvw, WorkerTeam team)
    {
        int bp = _buf.PaddedBand;
        for (int r = 0; r < k; r++) Array.Clear(vw, r * ldvw, bp);
        tau.Clear();
        Span<double> beta = _buf.Beta.AsSpan(0, b);
        int reflectors = Math.Min(b, k - 1);
        for (int g0 = 0; g0 < reflectors; g0 += PanelGroup)
        {
            int g1 = Math.Min(reflectors, g0 + PanelGroup);
            for (int p = g0; p < g1; p++)
            {
                int i = m - 1 - p, length = k - p;
                ref double row = ref a[(long)i * lda];
                tau[p] = TridiagonalReducer<TL, TVec>.MakeReflector(ref row, length, out beta[p]);
                for (int above = m - g1; above < i; above++)
                    ApplyReflector(ref a[(long)above * lda], ref row, tau[p], length);
            }
            // The group to the panel rows above it, m − b … m − 1 − g1.
            int rows = g1 < b ? b - g1 : 0;
            if (rows > 0)
            {
                (_mode, _m, _k, _lda, _g0, _g1, _panelRows) = (ModePanel, m, k, lda, g0, g1, rows);
                int chunks = (rows + PanelRowsPerItem - 1) / PanelRowsPerItem;
                ((long)rows * k < 1 << 16 ? WorkerTeam.Single : team).Run(this, chunks);
            }
            for (int p = g0; p < g1; p++)
            {
                if (tau[p] == 0) continue; // the row was left as it was (β = α in place) and V's column stays zero
                int length = k - p;
                ref double row = ref a[(long)(m - 1 - p) * lda];
                for (int r = 0; r < length; r++) vw[r * ldvw + p] = Unsafe.Add(ref row, r);
                Unsafe.Add(ref row, length - 1) = beta[p];
            }
        }
        return reflectors;
    }

    /// <summary>x[0..length) ← x·(I − τ v vᵀ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ApplyReflector(ref double x, ref double v, double tau, int length)
    {
        if (tau == 0) return;
        double s = -tau * LowerTriangleKernels.Dot<TL, TVec>(ref x, ref v, length);
        LowerTriangleKernels.Axpy<TL, TVec>(s, ref v, ref x, length);
    }

    /// <summary>C[0..rows, 0..n) += s·L·R on the team, split into fixed row blocks.</summary>
    private void Run(WorkerTeam team, double s, double[] l, int lOffset, int ls, int lk, double[] r, int rOffset, int rs, int depth,
        double[] c, int cOffset, int ldc, int n, int rows)
    {
        _mode = ModeRows;
        (_s, _l, _lOffset, _ls, _lk, _r, _rOffset, _rs, _depth, _c, _cOffset, _ldc, _n, _rowEnd) =
            (s, l, lOffset, ls, lk, r, rOffset, rs, depth, c, cOffset, ldc, n, rows);
        int blocks = (rows + BlockKernels.RowBlock - 1) / BlockKernels.RowBlock;
        (blocks < 2 ? WorkerTeam.Single : team).Run(this, blocks);
    }

    private static int Tiles(int k) => (k + BlockKernels.TileColumns<TL, TVec>() - 1) / BlockKernels.TileColumns<TL, TVec>();

    /// <summary>
    /// X₁ = A₁₁·V with A₁₁ stored as its lower triangle plus whole diagonal blocks: rows of a block times V over the
    /// columns up to the block's end (the lower triangle and the block, <see cref="ModeLowerProduct"/>), plus the
    /// mirror of what lies left of each diagonal block, Vᵀ·A over the rows below a column strip's block
    /// (<see cref="ModeUpperProduct"/>, into X₁ᵀ), added transposed.
    /// </summary>
    private void Symmetric(WorkerTeam team, int k, int lda, int bp, int ldvw, int ldq)
    {
        (_k, _lda, _bp, _ldvw, _ldq) = (k, lda, bp, ldvw, ldq);
        Array.Clear(_buf.X1, 0, k * bp);
        _mode = ModeLowerProduct;
        team.Run(this, (k + DiagonalBlock - 1) / DiagonalBlock);
        _mode = ModeUpperProduct;
        team.Run(this, Tiles(k));
        double[] x1 = _buf.X1, x1t = _buf.X1t;
        for (int r = 0; r < k; r++)
            for (int p = 0; p < bp; p++)
                x1[r * bp + p] += x1t[p * ldq + r];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int item, int worker)
    {
        double[] a = _ws.Matrix, vw = _buf.Vw;
        int nr = BlockKernels.TileColumns<TL, TVec>();
        switch (_mode)
        {
            case ModePanel:
            {
                Span<double> tau = _buf.Tau;
                int first = _m - _buf.Band + item * PanelRowsPerItem, last = Math.Min(_m - _buf.Band + _panelRows, first + PanelRowsPerItem);
                for (int above = first; above < last; above++)
                {
                    ref double x = ref a[(long)above * _lda];
                    for (int p = _g0; p < _g1; p++)
                        ApplyReflector(ref x, ref a[(long)(_m - 1 - p) * _lda], tau[p], _k - p);
                }
                break;
            }
            case ModeRows:
            {
                int r0 = item * BlockKernels.RowBlock, r1 = Math.Min(_rowEnd, r0 + BlockKernels.RowBlock);
                BlockKernels.Product<TL, TVec>(_s, ref _l[_lOffset], _ls, _lk, ref _r[_rOffset], _rs, _depth,
                    ref _c[_cOffset], _ldc, _n, r0, r1);
                break;
            }
            case ModeLowerProduct:
            {
                // Rows [r0, r1) of one diagonal block: columns 0 … r1 − 1 are all stored. Largest first.
                int r0 = ((_k + DiagonalBlock - 1) / DiagonalBlock - 1 - item) * DiagonalBlock, r1 = Math.Min(_k, r0 + DiagonalBlock);
                BlockKernels.Product<TL, TVec>(1, ref a[0], _lda, 1, ref vw[0], _ldvw, r1,
                    ref _buf.X1[0], _bp, _bp, r0, r1);
                break;
            }
            case ModeUpperProduct:
            {
                // Column strip [c0, c0 + nr): the rows below its diagonal block, mirrored: X₁ᵀ[:, strip] = Vᵀ·A[rows, strip].
                int c0 = item * nr, i0 = (c0 / DiagonalBlock + 1) * DiagonalBlock;
                ref double x1t = ref _buf.X1t[c0];
                for (int p = 0; p < _bp; p++) new Span<double>(_buf.X1t, p * _ldq + c0, nr).Clear();
                if (i0 >= _k) break;
                BlockKernels.Product<TL, TVec>(1, ref vw[(long)i0 * _ldvw], 1, _ldvw, ref a[(long)i0 * _lda + c0], _lda, _k - i0,
                    ref x1t, _ldq, nr, 0, _bp);
                break;
            }
            default:
            {
                // Row block [r0, r1) of A₁₁ −= [V W]·[W V]ᵀ, columns 0 … r1 − 1 (the lower triangle and the whole
                // diagonal block). Largest blocks first, so that the last item a thread takes is a short one.
                int blocks = (_k + DiagonalBlock - 1) / DiagonalBlock;
                int r0 = (blocks - 1 - item) * DiagonalBlock, r1 = Math.Min(_k, r0 + DiagonalBlock);
                BlockKernels.Product<TL, TVec>(-1, ref vw[0], _ldvw, 1, ref _buf.Wvt[0], _ldq, 2 * _bp,
                    ref a[0], _lda, r1, r0, r1);
                break;
            }
        }
    }
}

/// <summary>Scratch of <see cref="BandReducer{TL,TVec}"/> for matrices of order up to a capacity and one band width.</summary>
internal sealed class BandReductionBuffers
{
    public BandReductionBuffers(int capacity, int band)
    {
        Capacity = capacity;
        Band = band;
        int tile = BlockKernels.MaxTileColumns;
        PaddedBand = (band + tile - 1) / tile * tile;
        VwStride = 2 * PaddedBand + 8; // +8: rows a multiple of 4 KiB apart would alias in L1
        WvtStride = ((capacity + tile - 1) / tile * tile) + 8;
        Vw = new double[(long)capacity * VwStride + tile];
        Wvt = new double[2 * PaddedBand * WvtStride];
        X1 = new double[capacity * PaddedBand];
        X1t = new double[PaddedBand * WvtStride];
        X = new double[capacity * PaddedBand];
        Gram = new double[band * PaddedBand];
        T = new double[band * PaddedBand];
        Y = new double[band * PaddedBand];
        M = new double[band * PaddedBand];
        Tau = new double[band];
        Beta = new double[band];
    }

    public int Capacity { get; }
    public int Band { get; }
    /// <summary>b rounded up to whole tiles: V, W, X and T carry zero columns up to it.</summary>
    public int PaddedBand { get; }
    public int VwStride { get; }
    public int WvtStride { get; }
    public double[] Vw { get; }
    public double[] Wvt { get; }
    public double[] X1 { get; }
    public double[] X1t { get; }
    public double[] X { get; }
    public double[] Gram { get; }
    public double[] T { get; }
    public double[] Y { get; }
    public double[] M { get; }
    public double[] Tau { get; }
    public double[] Beta { get; }
}
