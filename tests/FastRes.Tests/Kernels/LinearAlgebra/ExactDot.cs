using System.Numerics;

namespace FastRes.Tests.Kernels.LinearAlgebra;

/// <summary>
/// Σ x[i]·y[i] in exact integer arithmetic (every double is m·2^e with an integer m, so every product and their sum
/// are exact integers times 2^−2200), rounded to double once at the end: the high-precision oracle of the dot
/// product contracts. The final rounding goes through 64 bits first, so it is within one ulp of correct rounding,
/// far inside the contracts' error bound γ_n·Σ|x_i y_i|.
/// </summary>
internal static class ExactDot
{
    private const int Floor = -2200; // below the smallest product of two subnormals, 2^−2148

    public static double Of(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        BigInteger sum = BigInteger.Zero;
        for (int i = 0; i < x.Length; i++)
        {
            var (mx, ex) = Split(x[i]);
            var (my, ey) = Split(y[i]);
            sum += (mx * my) << (ex + ey - Floor);
        }
        if (sum.IsZero) return 0;
        int sign = sum.Sign;
        sum = BigInteger.Abs(sum);
        int shift = (int)Math.Max(0, sum.GetBitLength() - 63);
        double top = (double)(long)(sum >> shift);
        return sign * Math.ScaleB(top, shift + Floor);
    }

    /// <summary>Σ |x[i]·y[i]|, the scale of the rounding error bound.</summary>
    public static double Magnitude(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += Math.Abs(x[i] * y[i]);
        return s;
    }

    /// <summary>γ_n = n·u/(1 − n·u), u = 2⁻⁵³: any order of summing n products errs by at most γ_n·Σ|x_i y_i|.</summary>
    public static double Gamma(int n)
    {
        double nu = n * Math.ScaleB(1.0, -53);
        return nu / (1 - nu);
    }

    private static (BigInteger Mantissa, int Exponent) Split(double v)
    {
        if (!double.IsFinite(v)) throw new ArgumentException("finite values only");
        long bits = BitConverter.DoubleToInt64Bits(v);
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        int exponent;
        if (biased == 0) exponent = -1074;
        else { mantissa |= 1L << 52; exponent = biased - 1075; }
        return (v < 0 ? -mantissa : mantissa, exponent);
    }
}
