using System.Runtime.CompilerServices;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Spectrum;

/// <summary>
/// Householder reduction of a symmetric matrix to tridiagonal form T = Qᵀ A Q (Golub &amp; Van Loan §8.3.1),
/// blocked as in Reference-LAPACK's DSYTRD / DLATRD and unblocked as in DSYTD2 — our own implementation of those
/// algorithms on the lower triangle of a row-major matrix (see <see cref="LowerTriangleKernels"/> for why that is
/// LAPACK's UPLO = 'U' case). Only T's diagonal and off-diagonal are kept: eigenvalues need no Q.
/// </summary>
/// <remarks>
/// <para><b>Unblocked step</b> (row i = m−1 … 1 of the active m×m block): a reflector H = I − τ v vᵀ, v[i−1] = 1,
/// maps a[i, 0..i−1] to β e_{i−1}; then with y = τ A v and w = y − ½τ (yᵀv) v, the two-sided update is the
/// rank-2 update A −= v wᵀ + w vᵀ. Half the flops are in the symmetric product A v, half in the update; both
/// read the whole active triangle, so the unblocked algorithm is memory-bound.</para>
/// <para><b>Blocked step</b> (DLATRD): nb reflectors are generated while the active block is left as it was; the
/// row about to be reduced is first brought up to date with the panel's earlier reflectors (a[i, :] −= Σ v_q w_q[i]
/// + w_q v_q[i]), and each w = τ(A − V Wᵀ − W Vᵀ) v − ½τ(…) v is obtained from the stale A through four thin
/// matrix–vector corrections. The deferred updates are then applied at once as A −= V Wᵀ + W Vᵀ, a rank-2nb
/// product with k = 2nb that runs as a register-tiled GEMM (<see cref="LowerTriangleKernels.UpdateTile"/>), in
/// parallel over column strips. The product A v (still half the flops) remains memory-bound; it is split into
/// row chunks of equal triangle area, run in parallel.</para>
/// <para><b>Determinism</b>: the chunking depends on the row count only, every chunk accumulates its mirrored half
/// in its own buffer and the buffers are summed in chunk order, and every GEMM tile is computed by one thread
/// in a fixed order — so the result is bit-identical for every thread count.</para>
/// </remarks>
internal sealed class TridiagonalReducer<TL, TVec> : ITeamWork
    where TL : struct, ILanes<TVec, double>
    where TVec : struct
{
    /// <summary>Fewer rows than this: the product runs as one chunk on the calling thread.</summary>
    private const int RowsPerChunk = 128;

    private const int ModeProduct = 0, ModeUpdate = 1;

    private readonly SymmetricEigenWorkspace _ws;
    private int _mode;

    // Current product: y[0..rows) = A[0..rows, 0..rows] · v, v at Matrix[vOffset..], y at yArray[yOffset..].
    private int _rows, _chunks, _vOffset, _yOffset;
    private double[] _yArray = [];

    // Current update: A[0..k, 0..k] −= P·Q with depth 2·nb, one item per column strip.
    private int _k, _depth, _tiles, _panelTop, _nb;

    private int _lda;

    public TridiagonalReducer(SymmetricEigenWorkspace ws) => _ws = ws;

    /// <summary>
    /// Reduces the lower triangle of <c>ws.Matrix</c> (order n, stride lda) in place to tridiagonal form; the
    /// diagonal goes to <c>ws.Diagonal[0..n)</c>, the off-diagonal to <c>ws.OffDiagonal[0..n−1)</c>.
    /// </summary>
    /// <param name="blockSize">Panel width nb (≤ <see cref="SymmetricEigenWorkspace.MaxBlockSize"/>).</param>
    /// <param name="crossover">The active block is finished unblocked once its order is ≤ this.</param>
    /// <param name="cancellationToken">Polled before every Householder step of a panel, one symmetric product apart
    /// (polling per panel would leave 32 passes over the triangle between polls: half a second single-threaded at
    /// n = 6,400), and every 32 unblocked steps; always on the calling thread while the team is idle, so a throw
    /// leaves no region half-run, and the next call starts from a fresh copy.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reduce(int n, int lda, int blockSize, int crossover, WorkerTeam team, CancellationToken cancellationToken = default)
    {
        _lda = lda;
        double[] a = _ws.Matrix;
        Span<double> d = _ws.Diagonal.AsSpan(0, n), e = _ws.OffDiagonal.AsSpan(0, n);
        int nb = Math.Clamp(blockSize, 1, SymmetricEigenWorkspace.MaxBlockSize);
        int m = n;

        while (m > crossover && m > nb + 1)
        {
            ReducePanel(a, m, nb, d, e, team, cancellationToken);
            int k = m - nb;
            ApplyPanel(a, m, k, nb, team);
            m = k;
        }

        // DSYTD2 on what is left.
        double[] y = _ws.Vector;
        for (int i = m - 1; i >= 1; i--)
        {
            if ((i & 31) == 0) cancellationToken.ThrowIfCancellationRequested();
            ref double row = ref a[(long)i * lda];
            double tau = MakeReflector(ref row, i, out e[i - 1]);
            d[i] = Unsafe.Add(ref row, i);
            if (tau == 0) continue;
            Product(i, i * lda, y, 0, team);
            LowerTriangleKernels.Scale<TL, TVec>(tau, ref y[0], i);
            double alpha = -0.5 * tau * LowerTriangleKernels.Dot<TL, TVec>(ref y[0], ref row, i);
            LowerTriangleKernels.Axpy<TL, TVec>(alpha, ref row, ref y[0], i);
            LowerTriangleKernels.Rank2Rows<TL, TVec>(ref a[0], lda, ref row, ref y[0], 0, i);
        }
        if (n > 0) d[0] = a[0];
    }

    /// <summary>DLATRD: reduce rows m−1 … m−nb, leaving their reflectors in those rows and w_p in Panel row p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReducePanel(double[] a, int m, int nb, Span<double> d, Span<double> e, WorkerTeam team, CancellationToken cancellationToken)
    {
        int lda = _lda;
        double[] wp = _ws.Panel, t = _ws.Coefficients;
        for (int p = 0; p < nb; p++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int i = m - 1 - p;
            ref double row = ref a[(long)i * lda];

            // Bring row i (columns 0..i) up to date with the panel's earlier reflectors.
            for (int q = 0; q < p; q++)
            {
                ref double vq = ref a[(long)(m - 1 - q) * lda];
                ref double wq = ref wp[q * lda];
                LowerTriangleKernels.Axpy<TL, TVec>(-Unsafe.Add(ref wq, i), ref vq, ref row, i + 1);
                LowerTriangleKernels.Axpy<TL, TVec>(-Unsafe.Add(ref vq, i), ref wq, ref row, i + 1);
            }
            d[i] = Unsafe.Add(ref row, i);

            double tau = MakeReflector(ref row, i, out e[i - 1]);
            ref double w = ref wp[p * lda];
            if (tau == 0)
            {
                new Span<double>(wp, p * lda, i).Clear();
                continue;
            }

            // w = τ (A − V Wᵀ − W Vᵀ) v, with A the block as it stood before this panel.
            Product(i, i * lda, wp, p * lda, team);
            for (int q = 0; q < p; q++)
                t[q] = LowerTriangleKernels.Dot<TL, TVec>(ref wp[q * lda], ref row, i);
            for (int q = 0; q < p; q++)
                t[nb + q] = LowerTriangleKernels.Dot<TL, TVec>(ref a[(long)(m - 1 - q) * lda], ref row, i);
            for (int q = 0; q < p; q++)
            {
                LowerTriangleKernels.Axpy<TL, TVec>(-t[q], ref a[(long)(m - 1 - q) * lda], ref w, i);
                LowerTriangleKernels.Axpy<TL, TVec>(-t[nb + q], ref wp[q * lda], ref w, i);
            }
            LowerTriangleKernels.Scale<TL, TVec>(tau, ref w, i);
            double alpha = -0.5 * tau * LowerTriangleKernels.Dot<TL, TVec>(ref w, ref row, i);
            LowerTriangleKernels.Axpy<TL, TVec>(alpha, ref row, ref w, i);
        }
    }

    /// <summary>DSYR2K step of DSYTRD: A[0..k, 0..k] −= V Wᵀ + W Vᵀ for the panel just reduced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ApplyPanel(double[] a, int m, int k, int nb, WorkerTeam team)
    {
        // Pack P (k × 2nb, in row tiles of 4): p[r, q] = v_q[r] for q < nb, w_{q−nb}[r] after; Q is its partner
        // (w then v), packed per column strip by each worker. Zero rows past k keep the last tile's spill finite.
        int lda = _lda, depth = 2 * nb, mr = LowerTriangleKernels.TileRows;
        double[] pack = _ws.PackP, wp = _ws.Panel;
        int rowTiles = (k + mr - 1) / mr;
        for (int tile = 0; tile < rowTiles; tile++)
        {
            int baseIndex = tile * depth * mr;
            for (int i = 0; i < mr; i++)
            {
                int r = tile * mr + i;
                if (r < k)
                {
                    for (int q = 0; q < nb; q++)
                    {
                        pack[baseIndex + q * mr + i] = a[(long)(m - 1 - q) * lda + r];
                        pack[baseIndex + (nb + q) * mr + i] = wp[q * lda + r];
                    }
                }
                else
                {
                    for (int q = 0; q < depth; q++) pack[baseIndex + q * mr + i] = 0;
                }
            }
        }

        _mode = ModeUpdate;
        _k = k;
        _nb = nb;
        _depth = depth;
        _panelTop = m - 1;
        _tiles = (k + LowerTriangleKernels.TileColumns<TL, TVec>() - 1) / LowerTriangleKernels.TileColumns<TL, TVec>();
        (k < 2 * RowsPerChunk ? WorkerTeam.Single : team).Run(this, _tiles);
    }

    /// <summary>y[0..rows) = A[0..rows, 0..rows]·v with v the (reflector) row at <paramref name="vOffset"/>.</summary>
    private void Product(int rows, int vOffset, double[] yArray, int yOffset, WorkerTeam team)
    {
        _mode = ModeProduct;
        _rows = rows;
        _chunks = Math.Clamp(rows / RowsPerChunk, 1, SymmetricEigenWorkspace.MaxChunks);
        _vOffset = vOffset;
        _yArray = yArray;
        _yOffset = yOffset;
        team.Run(this, _chunks);

        // Mirrored halves, summed in chunk order (fixed for a given row count: thread-count independent).
        ref double y = ref yArray[yOffset];
        for (int c = 0; c < _chunks; c++)
        {
            int end = ChunkStart(c + 1);
            LowerTriangleKernels.Axpy<TL, TVec>(1.0, ref _ws.Mirror[c * _lda], ref y, end);
        }
    }

    /// <summary>Chunk boundaries of equal triangle area: row count · √(c / chunks).</summary>
    private int ChunkStart(int c) => c >= _chunks ? _rows : (int)(_rows * Math.Sqrt((double)c / _chunks));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int item, int worker)
    {
        if (_mode == ModeProduct)
        {
            double[] a = _ws.Matrix;
            int r0 = ChunkStart(item), r1 = ChunkStart(item + 1);
            if (r1 == 0) return;
            Span<double> mirror = _ws.Mirror.AsSpan(item * _lda, r1);
            mirror.Clear();
            LowerTriangleKernels.SymvRows<TL, TVec>(ref a[0], _lda, ref a[_vOffset], ref _yArray[_yOffset], ref mirror[0], r0, r1);
        }
        else
        {
            UpdateStrip(item, worker);
        }
    }

    /// <summary>Column strip <paramref name="tile"/> (3 vectors wide) of the rank-2nb update, rows from its diagonal tile down.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateStrip(int tile, int worker)
    {
        int nr = LowerTriangleKernels.TileColumns<TL, TVec>(), mr = LowerTriangleKernels.TileRows;
        int lda = _lda, k = _k, nb = _nb, depth = _depth;
        double[] a = _ws.Matrix, wp = _ws.Panel, packP = _ws.PackP;
        Span<double> packQ = _ws.PackQ.AsSpan(worker * depth * nr, depth * nr);
        {
            int c0 = tile * nr, width = Math.Min(nr, k - c0);
            for (int q = 0; q < nb; q++)
            {
                // Q rows: w_q for the first nb (partner of v_q in P), v_q after.
                Span<double> wRow = packQ.Slice(q * nr, nr), vRow = packQ.Slice((nb + q) * nr, nr);
                new ReadOnlySpan<double>(wp, q * lda + c0, width).CopyTo(wRow);
                new ReadOnlySpan<double>(a, (_panelTop - q) * lda + c0, width).CopyTo(vRow);
                if (width < nr)
                {
                    wRow[width..].Clear();
                    vRow[width..].Clear();
                }
            }
            // Row tiles from the one holding the diagonal down to row k − 1. The tiles crossing the diagonal
            // also write right of it (scratch, never read), within the row stride's spare columns.
            for (int r0 = c0 - c0 % mr; r0 < k; r0 += mr)
            {
                LowerTriangleKernels.UpdateTile<TL, TVec>(ref packP[r0 / mr * depth * mr], ref packQ[0], depth,
                    ref a[(long)r0 * lda + c0], lda, Math.Min(mr, k - r0));
            }
        }
    }

    /// <summary>
    /// DLARFG on row i: choose v (v[i−1] = 1, stored over a[i, 0..i−1]) and τ so that (I − τ v vᵀ) maps
    /// (a[i, 0..i−2], a[i, i−1]) to (0, β). β = −sign(α)·‖(x, α)‖ avoids cancellation in α − β.
    /// </summary>
    /// <returns>τ (0 when the row is already reduced; then v is left as it is and must not be used).</returns>
    internal static double MakeReflector(ref double row, int i, out double beta)
    {
        double alpha = Unsafe.Add(ref row, i - 1);
        double xnorm = Norm(ref row, i - 1);
        if (xnorm == 0)
        {
            beta = alpha;
            return 0;
        }
        beta = -Math.CopySign(Hypot(alpha, xnorm), alpha);
        double tau = (beta - alpha) / beta;
        LowerTriangleKernels.Scale<TL, TVec>(1 / (alpha - beta), ref row, i - 1);
        Unsafe.Add(ref row, i - 1) = 1;
        return tau;
    }

    /// <summary>‖x‖₂: the plain sum of squares, redone with scaling when it under- or overflows (DNRM2's concern).</summary>
    private static double Norm(ref double x, int length)
    {
        if (length == 0) return 0;
        double ss = LowerTriangleKernels.Dot<TL, TVec>(ref x, ref x, length);
        if (ss > 1e-290 && ss < 1e290) return Math.Sqrt(ss);
        double scale = 0;
        for (int j = 0; j < length; j++) scale = Math.Max(scale, Math.Abs(Unsafe.Add(ref x, j)));
        if (scale == 0 || double.IsInfinity(scale)) return scale;
        double sum = 0, inv = 1 / scale;
        for (int j = 0; j < length; j++)
        {
            double s = Unsafe.Add(ref x, j) * inv;
            sum += s * s;
        }
        return scale * Math.Sqrt(sum);
    }

    private static double Hypot(double x, double y)
    {
        double ax = Math.Abs(x), ay = Math.Abs(y);
        double w = Math.Max(ax, ay), z = Math.Min(ax, ay);
        return z == 0 ? w : w * Math.Sqrt(1 + (z / w) * (z / w));
    }
}
