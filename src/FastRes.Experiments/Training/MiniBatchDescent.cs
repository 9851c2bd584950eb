using FastRes.Experiments.Data;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Training;

/// <summary>
/// Plain mini-batch stochastic gradient descent with a fixed step, θ ← θ − η∇L_B(θ) with L_B the loss of
/// <paramref name="batch"/> samples (the last batch of an epoch holds the remainder), the samples reshuffled every
/// epoch by Philox stream (seed, run, <see cref="ShuffleStream"/> + epoch) — a pure function of (seed, run), on one
/// thread. What fb.resnet.torch trains Li et al.'s Fig. 9 pre-ResNets with, less its momentum, weight decay and
/// schedule. Divergence as <see cref="FullBatchDescent"/>: a non-finite batch loss or gradient, or a batch loss above
/// <see cref="FullBatchDescent.DivergenceFactor"/> × the full loss at the start, ends the run as diverged.
/// Allocation-free per epoch.
/// </summary>
public sealed class MiniBatchDescent
{
    /// <summary>Philox stream of epoch 0's shuffle; the initializer's streams are the layer indices, far below it.</summary>
    public const uint ShuffleStream = 1u << 31;

    private readonly NShortcutNetwork _network;
    private readonly Dataset _data;
    private readonly int _batch;
    private readonly NetworkWorkspace _workspace;
    private readonly double[] _x, _y, _gradient;
    private readonly int[] _order;

    public MiniBatchDescent(NShortcutNetwork network, Dataset data, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (data.InputDim != network.Width || data.OutputDim != network.Width)
            throw new ArgumentException($"data has d_x = {data.InputDim}, d_y = {data.OutputDim}; the network needs both = width {network.Width}");
        _network = network;
        _data = data;
        _batch = Math.Min(batch, data.Samples);
        _workspace = new NetworkWorkspace(network, 1);
        _x = new double[_batch * network.Width];
        _y = new double[_batch * network.Width];
        _gradient = new double[network.ParameterCount];
        _order = new int[data.Samples];
    }

    /// <summary>Takes <paramref name="epochs"/> passes over the data from θ (updated in place); the end's loss is the full training loss.</summary>
    public TrainingEnd Train(Span<double> theta, double eta, int epochs, ulong seed, ulong run, CancellationToken cancellationToken = default)
    {
        int m = _data.Samples, d = _network.Width;
        double start = _network.Loss(theta, _data.X, _data.Y, m, _workspace);
        if (!double.IsFinite(start)) return new TrainingEnd(0, double.NaN, Diverged: true, DivergedAt: 0);
        for (int i = 0; i < m; i++) _order[i] = i;
        for (int e = 0; e < epochs; e++)
        {
            Shuffle(new PhiloxStream(seed, run, ShuffleStream + (uint)e));
            for (int first = 0; first < m; first += _batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(_batch, m - first);
                for (int k = 0; k < count; k++)
                {
                    _data.Input(_order[first + k]).CopyTo(_x.AsSpan(k * d, d));
                    _data.Target(_order[first + k]).CopyTo(_y.AsSpan(k * d, d));
                }
                double loss = _network.LossAndGradient(theta, _x, _y, count, _gradient, _workspace);
                if (!double.IsFinite(loss) || loss > FullBatchDescent.DivergenceFactor * start || !AllFinite(_gradient))
                    return new TrainingEnd(e, double.NaN, Diverged: true, DivergedAt: e);
                for (int i = 0; i < theta.Length; i++) theta[i] -= eta * _gradient[i];
            }
        }
        double end = _network.Loss(theta, _data.X, _data.Y, m, _workspace);
        return double.IsFinite(end) && end <= FullBatchDescent.DivergenceFactor * start
            ? new TrainingEnd(epochs, end, Diverged: false, DivergedAt: -1)
            : new TrainingEnd(epochs, double.NaN, Diverged: true, DivergedAt: epochs);
    }

    // Fisher–Yates on the previous epoch's order, so that each epoch's permutation depends on all before it only through the stream.
    private void Shuffle(PhiloxStream rng)
    {
        for (int i = _order.Length - 1; i > 0; i--)
        {
            int j = (int)(rng.NextUniform() * (i + 1));
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> x)
    {
        foreach (double v in x) if (!double.IsFinite(v)) return false;
        return true;
    }
}
