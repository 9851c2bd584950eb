using FastRes.Experiments.Data;
using FastRes.Kernels.LinearAlgebra;

namespace FastRes.Experiments.Training;

/// <summary>
/// The best any linear map does on a data set: min_A (1/2m) Σ‖y − Ax‖² = ½·tr(Σ^YY − Σ^YX (Σ^XX)⁻¹ Σ^XY), exact. Every
/// width-d linear network (plain or n-shortcut) can represent every d×d map, so this is the optimal loss of all of
/// them — what Figure 7 subtracts.
/// </summary>
public static class LeastSquares
{
    public static double OptimalLoss(Dataset data)
    {
        int m = data.Samples, dx = data.InputDim, dy = data.OutputDim;
        var sxx = new double[dx * dx];
        var sxy = new double[dx * dy];
        double syy = 0;
        for (int mu = 0; mu < m; mu++)
        {
            var x = data.Input(mu);
            var y = data.Target(mu);
            for (int i = 0; i < dx; i++)
            {
                for (int j = 0; j < dx; j++) sxx[i * dx + j] += x[i] * x[j];
                for (int j = 0; j < dy; j++) sxy[i * dy + j] += x[i] * y[j];
            }
            for (int j = 0; j < dy; j++) syy += y[j] * y[j];
        }
        // Σ^XX z_j = Σ^XY e_j for each output j; the explained part is Σ_j (Σ^XY e_j)ᵀ z_j.
        var column = new double[dx];
        var z = new double[dx];
        var scratch = new double[dx * dx];
        double explained = 0;
        for (int j = 0; j < dy; j++)
        {
            for (int i = 0; i < dx; i++) column[i] = sxy[i * dy + j];
            if (!Cholesky.TrySolve(sxx, dx, column, scratch, z))
                throw new InvalidOperationException($"{data.Source}: Σ^XX is singular; the least-squares optimum is not unique");
            explained += Dot.Sequential(column, z);
        }
        return 0.5 * (syy - explained) / m;
    }
}
