using System.Runtime.CompilerServices;

namespace FastRes.Kernels.Random;

/// <summary>
/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
/// as easy as 1, 2, 3" (SC'11), as in Random123. A block of four 32-bit outputs is a pure function of a
/// 128-bit counter and a 64-bit key: no state to share, split or advance, which is what makes every trial's
/// randomness independent of threads, batching, SIMD width and sharding.
/// </summary>
public static class Philox4x32
{
    public const uint M0 = 0xD2511F53;
    public const uint M1 = 0xCD9E8D57;
    public const uint W0 = 0x9E3779B9; // golden ratio
    public const uint W1 = 0xBB67AE85; // sqrt(3) - 1
    public const int Rounds = 10;

    /// <summary>One Philox4x32-10 block: counter (c0..c3), key (k0, k1) → four uniformly distributed words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
                             out uint r0, out uint r1, out uint r2, out uint r3)
    {
        for (int round = 0; round < Rounds; round++)
        {
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0;
            uint hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        r0 = c0; r1 = c1; r2 = c2; r3 = c3;
    }

    /// <summary>The largest double below 1, 1 − 2^-53: the top of <see cref="ToUniformDouble"/>'s range.</summary>
    public const double LargestUniform = 1.0 - 1.0 / (1UL << 53);

    /// <summary>A double in the open interval (0, 1) with 53 random bits, from two 32-bit words.</summary>
    /// <remarks>
    /// (bits + ½)·2^-53 is exact below ½; above, bits + ½ needs 54 significant bits and rounds to even, which for
    /// bits = 2^53 − 1 gives exactly 1.0. That one value is clamped to <see cref="LargestUniform"/> so the interval
    /// really is open (a caller may take log(1 − u)); every other output is unchanged.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToUniformDouble(uint hi, uint lo)
    {
        ulong bits = ((ulong)hi << 21) ^ (lo >> 11); // 53 bits
        return Math.Min((bits + 0.5) * (1.0 / (1UL << 53)), LargestUniform);
    }
}

/// <summary>
/// A sequential view of one Philox stream keyed by (seed, trial, stream): counter = (trial low, trial high,
/// stream, block). Used for the per-trial set-up (teacher, initial point), which is scalar on purpose so that
/// it is bit-identical at every SIMD width.
/// </summary>
public struct PhiloxStream
{
    private readonly uint _k0, _k1, _c0, _c1, _c2;
    private uint _block;
    private uint _w0, _w1, _w2, _w3;
    private int _used; // words consumed from the current block (4 = empty)
    private double _spareNormal;
    private bool _hasSpare;

    public PhiloxStream(ulong seed, ulong trial, uint stream)
    {
        _k0 = (uint)seed; _k1 = (uint)(seed >> 32);
        _c0 = (uint)trial; _c1 = (uint)(trial >> 32); _c2 = stream;
        _block = 0; _used = 4;
        _w0 = _w1 = _w2 = _w3 = 0;
        _spareNormal = 0; _hasSpare = false;
    }

    public uint NextUInt32()
    {
        if (_used == 4)
        {
            Philox4x32.Block(_c0, _c1, _c2, _block++, _k0, _k1, out _w0, out _w1, out _w2, out _w3);
            _used = 0;
        }
        return _used++ switch { 0 => _w0, 1 => _w1, 2 => _w2, _ => _w3 };
    }

    /// <summary>Uniform on (0, 1), 53 bits.</summary>
    public double NextUniform()
    {
        uint hi = NextUInt32();
        uint lo = NextUInt32();
        return Philox4x32.ToUniformDouble(hi, lo);
    }

    /// <summary>Standard normal by the Box–Muller transform (both values of a pair are used).</summary>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spareNormal; }
        double u1 = NextUniform(), u2 = NextUniform();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        (double s, double c) = Math.SinCos(2.0 * Math.PI * u2);
        _spareNormal = r * s;
        _hasSpare = true;
        return r * c;
    }

    public void FillNormal(Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = NextNormal();
    }
}
