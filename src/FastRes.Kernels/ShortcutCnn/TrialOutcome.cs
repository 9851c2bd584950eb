namespace FastRes.Kernels.ShortcutCnn;

/// <summary>The outcome of one shortcut-CNN trial (SPEC §1.5).</summary>
public enum TrialOutcome : byte
{
    /// <summary>Neither success nor the spurious basin after the last iteration.</summary>
    Undecided = 0,
    /// <summary>φ &lt; tol and ‖a − a*‖ &lt; tol.</summary>
    Success = 1,
    /// <summary>φ &gt; π/2: the basin of the spurious local optimum.</summary>
    Spurious = 2,
    /// <summary>A NaN or ±∞ anywhere in the state.</summary>
    Diverged = 3,
}
