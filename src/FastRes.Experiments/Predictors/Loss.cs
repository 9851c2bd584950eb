namespace FastRes.Experiments.Predictors;

/// <summary>Losses ℓ(p; y) convex and twice differentiable in p (Shamir 2018, Assumption 1).</summary>
public enum Loss
{
    /// <summary>ℓ = ½(p − y)², y real.</summary>
    Squared,
    /// <summary>ℓ = log(1 + e^(−yp)), y ∈ {−1, +1}.</summary>
    Logistic,
}

public static class Losses
{
    public static double Value(Loss loss, double p, double y)
    {
        if (loss == Loss.Squared) return 0.5 * (p - y) * (p - y);
        double z = -y * p; // log(1 + e^z) without overflow
        return z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
    }

    /// <summary>∂ℓ/∂p.</summary>
    public static double Slope(Loss loss, double p, double y)
        => loss == Loss.Squared ? p - y : -y * Logistic(-y * p);

    /// <summary>∂²ℓ/∂p².</summary>
    public static double Curvature(Loss loss, double p, double y)
    {
        if (loss == Loss.Squared) return 1;
        double s = Logistic(p);
        return s * (1 - s);
    }

    /// <summary>1/(1 + e^(−z)), evaluated on the side that cannot overflow.</summary>
    public static double Logistic(double z)
    {
        if (z >= 0) return 1 / (1 + Math.Exp(-z));
        double e = Math.Exp(z);
        return e / (1 + e);
    }

    /// <summary>The losses as a setting's words (results name a loss by the same word).</summary>
    public static readonly Settings.Kind<Loss> Kind = Settings.Kinds.Choice(("squared", Loss.Squared), ("logistic", Loss.Logistic));

    public static string Word(Loss loss) => Kind.Show(loss);
}
