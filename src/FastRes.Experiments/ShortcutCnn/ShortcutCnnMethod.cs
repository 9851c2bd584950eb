namespace FastRes.Experiments.ShortcutCnn;

/// <summary>The three training methods of SPEC §1.2.</summary>
public enum ShortcutCnnMethod
{
    /// <summary>Du et al. 2017: plain CNN, normalized GD, w_0 uniform on the sphere.</summary>
    Cnn,
    /// <summary>Liu et al. 2019: shortcut CNN, w_0 = 0, one step size.</summary>
    Resnet,
    /// <summary>Liu et al. 2019: shortcut CNN with step-size warm-up (Stage I / Stage II).</summary>
    ResnetSsw,
}

public static class ShortcutCnnMethods
{
    public static readonly ShortcutCnnMethod[] All = [ShortcutCnnMethod.Cnn, ShortcutCnnMethod.Resnet, ShortcutCnnMethod.ResnetSsw];

    /// <summary>The methods as a setting's words.</summary>
    public static readonly Settings.Kind<ShortcutCnnMethod> Kind = Settings.Kinds.Choice(All.Select(m => (m.Name(), m)).ToArray());

    /// <summary>The name used on the command line and in results: cnn, resnet, resnet-ssw.</summary>
    public static string Name(this ShortcutCnnMethod method) => method switch
    {
        ShortcutCnnMethod.Cnn => "cnn",
        ShortcutCnnMethod.Resnet => "resnet",
        ShortcutCnnMethod.ResnetSsw => "resnet-ssw",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static bool TryParse(string text, out ShortcutCnnMethod method)
    {
        foreach (var m in All)
        {
            if (string.Equals(m.Name(), text.Trim(), StringComparison.OrdinalIgnoreCase)) { method = m; return true; }
        }
        method = default;
        return false;
    }
}

/// <summary>How default step sizes are chosen (SPEC §1.4).</summary>
public enum StepRule
{
    /// <summary>η = S · 5π²/(4(k+π−1)²) with S = --eta-scale (0.25), η₁ = Theorem 1's.</summary>
    Default,
    /// <summary>Theorem 1's η₁ and Theorem 2's η = 5π²/(4(k+π−1)²) exactly (S = 1).</summary>
    Theory,
}
