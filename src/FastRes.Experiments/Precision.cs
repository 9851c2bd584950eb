namespace FastRes.Experiments;

/// <summary>Arithmetic precision of a kernel (the Monte Carlo runs in either; profiles are labelled with it).</summary>
public enum Precision { Double, Float }
