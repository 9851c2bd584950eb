using FastRes.Kernels.Random;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// A finite data set (the expectation E over (x, y) is the average over its rows): x ~ N(0, I_d) and a nonlinear
/// teacher t(x) = sin(2aᵀx) + tanh(bᵀx)·cᵀx with a, b, c ~ N(0, I/d); squared loss: y = t(x) + 0.1·noise;
/// logistic: y = sign(t(x)), flipped with probability <c>labelNoise</c> (so no linear separator exists and F_lin has a
/// minimizer).
/// </summary>
public sealed class ShamirData
{
    public int Samples { get; }
    public int Dimension { get; }
    /// <summary>Row-major Samples × Dimension.</summary>
    public double[] X { get; }
    public double[] Y { get; }
    public ShamirLoss Loss { get; }

    public ShamirData(int samples, int dimension, double[] x, double[] y, ShamirLoss loss)
    {
        (Samples, Dimension, X, Y, Loss) = (samples, dimension, x, y, loss);
    }

    public static ShamirData Synthetic(ShamirLoss loss, int samples, int dimension, double labelNoise, ulong seed)
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
            if (loss == ShamirLoss.Squared) y[i] = t + 0.1 * rng.NextNormal();
            else
            {
                double label = t >= 0 ? 1 : -1;
                y[i] = rng.NextUniform() < labelNoise ? -label : label;
            }
        }
        return new ShamirData(samples, dimension, x, y, loss);
    }
}
