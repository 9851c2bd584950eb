using System.Numerics;

namespace FastRes.Tests.Kernels.Maths;

/// <summary>
/// acos to ~2^-250 absolute, in 256-bit binary fixed point (BigInteger): an oracle independent of any libm, to
/// measure a double kernel's error in fractional ulps. Slow (tens of µs per value): sample, don't sweep.
/// </summary>
/// <remarks>
/// Uses the exact identities acos x = π/2 − asin x (|x| &lt; ½), acos x = 2 asin √((1 − x)/2) (x ≥ ½) and
/// π − 2 asin √((1 + x)/2) (x ≤ −½), so the asin series only ever sees |t| ≤ ½ (ratio ≤ ¼ per term); π = 6 asin ½.
/// Doubles convert exactly (down to 2^-256), and (1 ∓ x) is formed exactly in fixed point.
/// </remarks>
internal static class ExactAcos
{
    private const int Bits = 256;
    private static readonly BigInteger One = BigInteger.One << Bits;
    private static readonly BigInteger Pi = 6 * Asin(One >> 1);

    /// <summary>acos x as a fixed-point integer (value · 2^256); x must be in [−1, 1].</summary>
    public static BigInteger Of(double x)
    {
        BigInteger fx = ToFixed(x);
        if (BigInteger.Abs(fx) < (One >> 1)) return (Pi >> 1) - Asin(fx);
        BigInteger z = fx > 0 ? (One - fx) >> 1 : (One + fx) >> 1;
        BigInteger a = 2 * Asin(Sqrt(z));
        return fx > 0 ? a : Pi - a;
    }

    /// <summary>(y − exact) in units of the double spacing at the exact value.</summary>
    public static double UlpError(double y, BigInteger exact)
    {
        double e = ToDouble(exact);
        double ulp = Math.ScaleB(1.0, Math.ILogB(e) - 52);
        return ToDouble(ToFixed(y) - exact) / ulp;
    }

    public static BigInteger ToFixed(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentOutOfRangeException(nameof(d));
        long bits = BitConverter.DoubleToInt64Bits(d);
        int biased = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFFL;
        int exponent;
        if (biased == 0) exponent = -1074; else { mantissa |= 1L << 52; exponent = biased - 1075; }
        BigInteger m = mantissa;
        BigInteger f = exponent + Bits >= 0 ? m << (exponent + Bits) : m >> -(exponent + Bits);
        return d < 0 ? -f : f;
    }

    // BigInteger → double rounds correctly; the power-of-two scaling is exact.
    public static double ToDouble(BigInteger f) => Math.ScaleB((double)(f >> 64), 64 - Bits) + Math.ScaleB((double)(f & ulong.MaxValue), -Bits);

    private static BigInteger Sqrt(BigInteger f)
    {
        // ⌊√(f · 2^256)⌋ by Newton from above.
        BigInteger n = f << Bits;
        if (n.IsZero) return n;
        BigInteger r = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            BigInteger next = (r + n / r) >> 1;
            if (next >= r) return r;
            r = next;
        }
    }

    // asin t = Σ a_k, a_0 = t, a_k = a_{k−1} · t² · (2k − 1)² / ((2k)(2k + 1)), for |t| ≤ ½.
    private static BigInteger Asin(BigInteger t)
    {
        BigInteger t2 = (t * t) >> Bits, term = t, sum = t;
        for (int k = 1; !term.IsZero; k++)
        {
            term = ((term * t2) >> Bits) * ((2 * k - 1) * (2 * k - 1)) / (2 * k * (2 * k + 1));
            sum += term;
        }
        return sum;
    }
}
