namespace FastRes.Experiments.Training;

/// <summary>How a training run ended.</summary>
/// <param name="Epochs">Epochs (gradient steps) taken.</param>
/// <param name="Loss">The loss at the end: after the last step, or the last finite loss before divergence.</param>
/// <param name="Diverged">The loss became non-finite or exceeded <see cref="FullBatchDescent.DivergenceFactor"/> × its
/// start: the run is reported as diverged, never as a loss.</param>
public readonly record struct TrainingEnd(int Epochs, double Loss, bool Diverged, int DivergedAt);

/// <summary>
/// Full-batch gradient descent with a fixed step, θ ← θ − η∇L(θ), as Li et al. train (Appendix B: "trained using
/// gradient descent"). The observer sees every epoch e = 0 … E before its step (θ_e, L(θ_e), ∇L(θ_e)), so a spectrum at
/// epoch e is the Hessian at θ_e. Allocation-free per epoch.
/// </summary>
public sealed class FullBatchDescent(ITrainingObjective objective)
{
    /// <summary>A loss this many times its start is divergence: GD with a fixed step either settles or blows up by many orders.</summary>
    public const double DivergenceFactor = 1e6;

    private readonly double[] _gradient = new double[objective.Network.ParameterCount];

    /// <summary>Observes epoch e at θ_e before the step: (epoch, loss, gradient, θ).</summary>
    public delegate void Observer(int epoch, double loss, ReadOnlySpan<double> gradient, ReadOnlySpan<double> theta);

    /// <summary>Takes <paramref name="epochs"/> steps of size <paramref name="eta"/> from θ (updated in place).</summary>
    public TrainingEnd Train(Span<double> theta, double eta, int epochs, Observer? observe = null, CancellationToken cancellationToken = default)
    {
        double start = double.NaN, last = double.NaN;
        for (int e = 0; e <= epochs; e++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double loss = objective.LossAndGradient(theta, _gradient);
            if (e == 0) start = loss;
            if (!double.IsFinite(loss) || loss > DivergenceFactor * start || !AllFinite(_gradient))
                return new TrainingEnd(e, last, Diverged: true, DivergedAt: e);
            last = loss;
            observe?.Invoke(e, loss, _gradient, theta);
            if (e == epochs) break;
            for (int i = 0; i < theta.Length; i++) theta[i] -= eta * _gradient[i];
        }
        return new TrainingEnd(epochs, last, Diverged: false, DivergedAt: -1);
    }

    private static bool AllFinite(ReadOnlySpan<double> x)
    {
        foreach (double v in x) if (!double.IsFinite(v)) return false;
        return true;
    }
}
