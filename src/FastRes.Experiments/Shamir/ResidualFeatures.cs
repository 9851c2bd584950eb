using FastRes.Experiments.Predictors;
using FastRes.Kernels.LinearAlgebra;
using FastRes.Kernels.Networks;
using FastRes.Kernels.Random;

namespace FastRes.Experiments.Shamir;

/// <summary>
/// f_θ of Shamir 2018's residual unit x ↦ x + V f_θ(x): an MLP d → hidden → … → hidden → k, σ after every layer,
/// weights N(0, gain/fan_in) (gain 2 for ReLU, 1 for tanh) times a per-draw scale, biases N(0, 0.1²). The theorems hold
/// for any θ and treat it as fixed, so only its features f_θ(x_i) on the data matter: they are computed once per θ.
/// </summary>
public static class ResidualFeatures
{
    /// <summary>Row-major Samples × width features f_θ(x_i) of a random θ drawn from <paramref name="rng"/>.</summary>
    public static double[] Random(PredictorData data, Activation activation, int hidden, int layers, int width, double scale, ref PhiloxStream rng)
    {
        int n = data.Samples;
        double gain = activation == Activation.Relu ? 2 : 1;
        var current = data.X;
        int fanIn = data.Dimension;
        for (int layer = 0; layer <= layers; layer++)
        {
            int fanOut = layer == layers ? width : hidden;
            var weight = new double[fanOut * fanIn];
            var bias = new double[fanOut];
            double s = scale * Math.Sqrt(gain / fanIn);
            for (int i = 0; i < weight.Length; i++) weight[i] = s * rng.NextNormal();
            for (int i = 0; i < fanOut; i++) bias[i] = 0.1 * rng.NextNormal();
            var next = new double[n * fanOut];
            for (int i = 0; i < n; i++)
            {
                var input = current.AsSpan(i * fanIn, fanIn);
                for (int o = 0; o < fanOut; o++)
                {
                    double z = bias[o] + Dot.FourPartial(weight.AsSpan(o * fanIn, fanIn), input);
                    next[i * fanOut + o] = activation switch
                    {
                        Activation.Relu => Math.Max(z, 0),
                        Activation.Tanh => Math.Tanh(z),
                        _ => z,
                    };
                }
            }
            current = next;
            fanIn = fanOut;
        }
        return current;
    }
}
