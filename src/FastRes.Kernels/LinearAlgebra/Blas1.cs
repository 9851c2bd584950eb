using System.Numerics;
using System.Runtime.InteropServices;

namespace FastRes.Kernels.LinearAlgebra;

/// <summary>
/// The element-wise vector updates of the dense eigen-decomposition (EISPACK tred2/tql2) and of the PCA covariance:
/// BLAS-1 axpy and rot, and the column form of the symmetric rank-2 update. Each is one IEEE multiply and add per
/// operand and element, in the order the scalar reference loop spells out.
/// </summary>
/// <remarks>
/// Why these give the same bits at every width, with and without hardware intrinsics: an element's result depends
/// on that element's operands alone (no sum across elements), and the JIT never contracts a·x + y into an FMA, in
/// scalar or vector code. So the vector loop and the scalar tail compute what the scalar loop alone would, which
/// is what keeps MNIST's whitened inputs independent of this code's vector width. They run on
/// <see cref="Vector{T}"/> like <see cref="Dot.Lanewise"/>, their companion in the same loops; the width only
/// affects speed here. Spans must not partly overlap (the results would depend on the width).
/// </remarks>
public static class Blas1
{
    /// <summary>y[i] ← y[i] + a·x[i] for i &lt; x.Length.</summary>
    /// <exception cref="ArgumentException">y is shorter than x.</exception>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"y ({y.Length}) is shorter than x ({x.Length})", nameof(y));
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<double>.Count)
        {
            var xv = MemoryMarshal.Cast<double, Vector<double>>(x);
            var yv = MemoryMarshal.Cast<double, Vector<double>>(y);
            var av = new Vector<double>(a);
            for (int k = 0; k < xv.Length; k++) yv[k] += av * xv[k];
            i = xv.Length * Vector<double>.Count;
        }
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    /// <summary>
    /// y[i] ← y[i] − (f·p[i] + g·q[i]) for i &lt; y.Length: column j of the symmetric rank-2 update
    /// A ← A − u·eᵀ − e·uᵀ of Householder tridiagonalization (f = u_j, p = e, g = e_j, q = u; tred2's
    /// <c>a[k][j] -= (f*e[k] + g*d[k])</c>).
    /// </summary>
    /// <exception cref="ArgumentException">p or q is shorter than y.</exception>
    public static void SubtractTwoAxpy(Span<double> y, double f, ReadOnlySpan<double> p, double g, ReadOnlySpan<double> q)
    {
        if (p.Length < y.Length || q.Length < y.Length) throw new ArgumentException($"p and q need at least {y.Length} entries");
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<double>.Count)
        {
            var yv = MemoryMarshal.Cast<double, Vector<double>>(y);
            var pv = MemoryMarshal.Cast<double, Vector<double>>(p);
            var qv = MemoryMarshal.Cast<double, Vector<double>>(q);
            var fv = new Vector<double>(f);
            var gv = new Vector<double>(g);
            for (int k = 0; k < yv.Length; k++) yv[k] -= fv * pv[k] + gv * qv[k];
            i = yv.Length * Vector<double>.Count;
        }
        for (; i < y.Length; i++) y[i] -= f * p[i] + g * q[i];
    }

    /// <summary>(a[i], b[i]) ← (c·a[i] − s·b[i], s·a[i] + c·b[i]) for i &lt; a.Length: a Givens rotation (BLAS drot with s negated, as tql2 applies it).</summary>
    /// <exception cref="ArgumentException">b is shorter than a.</exception>
    public static void Rotate(Span<double> a, Span<double> b, double c, double s)
    {
        if (b.Length < a.Length) throw new ArgumentException($"b ({b.Length}) is shorter than a ({a.Length})", nameof(b));
        int i = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count)
        {
            var av = MemoryMarshal.Cast<double, Vector<double>>(a);
            var bv = MemoryMarshal.Cast<double, Vector<double>>(b);
            var cv = new Vector<double>(c);
            var sv = new Vector<double>(s);
            for (int k = 0; k < av.Length; k++)
            {
                Vector<double> x = av[k], y = bv[k];
                av[k] = cv * x - sv * y;
                bv[k] = sv * x + cv * y;
            }
            i = av.Length * Vector<double>.Count;
        }
        for (; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            a[i] = c * x - s * y;
            b[i] = s * x + c * y;
        }
    }
}
