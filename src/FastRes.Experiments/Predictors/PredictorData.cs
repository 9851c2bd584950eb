using FastRes.Experiments.Data;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Predictors;

/// <summary>
/// A finite data set (the expectation E over (x, y) is the average over its rows): x ~ N(0, I_d) and a nonlinear
/// teacher t(x) = sin(2aᵀx) + tanh(bᵀx)·cᵀx with a, b, c ~ N(0, I/d); squared loss: y = t(x) + 0.1·noise;
/// logistic: y = sign(t(x)), flipped with probability <c>labelNoise</c> (so no linear separator exists and F_lin has a
/// minimizer).
/// </summary>
public sealed class PredictorData
{
    public int Samples { get; }
    public int Dimension { get; }
    /// <summary>Row-major Samples × Dimension.</summary>
    public double[] X { get; }
    public double[] Y { get; }
    public Loss Loss { get; }

    public PredictorData(int samples, int dimension, double[] x, double[] y, Loss loss)
    {
        (Samples, Dimension, X, Y, Loss) = (samples, dimension, x, y, loss);
    }

    /// <summary>
    /// A binary task from a digits <see cref="Dataset"/> (whitened PCA inputs, one-hot labels): the first
    /// <paramref name="maxSamples"/> images of class <paramref name="positive"/> (y = +1) or <paramref name="negative"/>
    /// (y = −1), in file order; the same ±1 targets serve the squared loss.
    /// </summary>
    public static PredictorData FromDigits(Dataset digits, int positive, int negative, int maxSamples, Loss loss)
    {
        int d = digits.InputDim;
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < digits.Samples && y.Count < maxSamples; i++)
        {
            var target = digits.Target(i);
            int label = -1;
            for (int c = 0; c < target.Length; c++) if (target[c] == 1) label = c;
            if (label != positive && label != negative) continue;
            x.AddRange(digits.Input(i).ToArray());
            y.Add(label == positive ? 1 : -1);
        }
        if (y.Count < 2 * d || !y.Contains(1) || !y.Contains(-1))
            throw new ArgumentException($"{digits.Source} has only {y.Count} images of digits {positive} and {negative}; need at least {2 * d} of both");
        return new PredictorData(y.Count, d, x.ToArray(), y.ToArray(), loss);
    }

    public static PredictorData Synthetic(Loss loss, int samples, int dimension, double labelNoise, ulong seed)
    {
        var rng = new PhiloxStream(seed, (ulong)loss, 0x5D17A);
        double s = 1 / Math.Sqrt(dimension);
        var a = new double[dimension]; var b = new double[dimension]; var c = new double[dimension];
        for (int j = 0; j < dimension; j++) { a[j] = s * rng.NextNormal(); b[j] = s * rng.NextNormal(); c[j] = s * rng.NextNormal(); }
        var x = new double[samples * dimension];
        var y = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            double ax = 0, bx = 0, cx = 0;
            for (int j = 0; j < dimension; j++)
            {
                double v = rng.NextNormal();
                x[i * dimension + j] = v;
                ax += a[j] * v; bx += b[j] * v; cx += c[j] * v;
            }
            double t = Math.Sin(2 * ax) + Math.Tanh(bx) * cx;
            if (loss == Loss.Squared) y[i] = t + 0.1 * rng.NextNormal();
            else
            {
                double label = t >= 0 ? 1 : -1;
                y[i] = rng.NextUniform() < labelNoise ? -label : label;
            }
        }
        return new PredictorData(samples, dimension, x, y, loss);
    }
}
