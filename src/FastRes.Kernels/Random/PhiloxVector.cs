using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;

namespace FastRes.Kernels.Random;

/// <summary>
/// Philox4x32-10 (Salmon et al., SC'11; Random123) evaluated on SIMD lanes, one block per 64-bit lane, for bulk
/// uniforms and normals of one <see cref="PhiloxStream"/> (seed, trial, stream). Counter = (trial low, trial high,
/// stream, block), key = (seed low, seed high), exactly as the scalar stream; lane j of a bundle evaluates block
/// <c>firstBlock + base + j</c>. Every method writes into the caller's span and allocates nothing.
/// </summary>
/// <remarks>
/// <para>Sequences, for a destination of any length (the sequence is simply cut):</para>
/// <list type="bullet">
/// <item><see cref="FillUInt32(ulong, ulong, uint, uint, Span{uint})"/>: the four words of block firstBlock, then of
/// firstBlock + 1, …: bit-identical to <see cref="PhiloxStream.NextUInt32"/> after skipping 4·firstBlock words.</item>
/// <item><see cref="FillUniform(ulong, ulong, uint, uint, Span{double})"/>: two uniforms per block, from words (0, 1)
/// and (2, 3) through <see cref="Philox4x32.ToUniformDouble"/>: bit-identical to <see cref="PhiloxStream.NextUniform"/>.</item>
/// <item><see cref="FillNormal(ulong, ulong, uint, uint, Span{double})"/>: Box–Muller, block b gives u1 from words
/// (0, 1), u2 from (2, 3), normal 2b = r·cos(2πu2), 2b + 1 = r·sin(2πu2), r = √(−2 ln u1): the
/// <see cref="PhiloxStream.NextNormal"/> sequence, to rounding. The logarithm and sine/cosine are
/// <see cref="BoxMullerMath"/>'s rather than libm's, so values differ from the scalar stream by a few ulp (measured
/// over 5 × 2^18 normals against glibc: at most 3 ulp, relative 6.2e-16, where |z| &gt; 1e-3; at most 8.9e-16 absolute
/// anywhere, including next to the zeros of cos/sin where ulp counts are meaningless). They are bit-identical at every
/// SIMD width, scalar and <c>DOTNET_EnableHWIntrinsic=0</c> included.</item>
/// <item><see cref="FillNormal(ulong, ulong, uint, uint, Span{float})"/>: four normals per block, two Box–Muller
/// pairs: (u1, u2) = (U(word 0), U(word 1)) and (U(word 2), U(word 3)), U(w) = (w + ½)·2^-32, output
/// r₁cos θ₁, r₁sin θ₁, r₂cos θ₂, r₂sin θ₂ evaluated in double and rounded once to float (so within 1 float ulp of
/// the exact transform of those uniforms). 32-bit uniforms (u ≥ 2^-33) cap |z| at √(66 ln 2) ≈ 6.76; the double
/// sequence's 53-bit uniforms (u ≥ 2^-54) cap it at √(108 ln 2) ≈ 8.65.</item>
/// </list>
/// <para>firstBlock is a 32-bit block counter that wraps like the scalar stream's.</para>
/// </remarks>
public static class PhiloxVector
{
    private const int MaxChunk = 32; // elements one Vector512 bundle produces at most (float normals, words)
    private const double TwoToMinus53 = 1.0 / (1UL << 53);
    private const double TwoToMinus32 = 1.0 / (1UL << 32);
    private const double TwoPi = 2.0 * Math.PI; // the scalar stream's 2.0 * Math.PI, folded identically

    /// <summary>The words of stream (seed, trial, stream) from block <paramref name="firstBlock"/> on.</summary>
    public static void FillUInt32(ulong seed, ulong trial, uint stream, uint firstBlock, Span<uint> destination) =>
        FillUInt32(seed, trial, stream, firstBlock, destination, SimdWidth.Auto);

    /// <summary>Uniforms on (0, 1) with 53 bits, == the <see cref="PhiloxStream.NextUniform"/> sequence exactly.</summary>
    public static void FillUniform(ulong seed, ulong trial, uint stream, uint firstBlock, Span<double> destination) =>
        FillUniform(seed, trial, stream, firstBlock, destination, SimdWidth.Auto);

    /// <summary>Standard normals, the <see cref="PhiloxStream.NextNormal"/> sequence to within a few ulp.</summary>
    public static void FillNormal(ulong seed, ulong trial, uint stream, uint firstBlock, Span<double> destination) =>
        FillNormal(seed, trial, stream, firstBlock, destination, SimdWidth.Auto);

    /// <summary>Standard normals in float, four per block (see the class remarks for the exact sequence).</summary>
    public static void FillNormal(ulong seed, ulong trial, uint stream, uint firstBlock, Span<float> destination) =>
        FillNormal(seed, trial, stream, firstBlock, destination, SimdWidth.Auto);

    internal static void FillUInt32(ulong seed, ulong trial, uint stream, uint firstBlock, Span<uint> destination, SimdWidth width)
        => Fill<Words, uint>(new StreamKey(seed, trial, stream), firstBlock, destination, width);

    internal static void FillUniform(ulong seed, ulong trial, uint stream, uint firstBlock, Span<double> destination, SimdWidth width)
        => Fill<Uniforms, double>(new StreamKey(seed, trial, stream), firstBlock, destination, width);

    internal static void FillNormal(ulong seed, ulong trial, uint stream, uint firstBlock, Span<double> destination, SimdWidth width)
        => Fill<Normals, double>(new StreamKey(seed, trial, stream), firstBlock, destination, width);

    internal static void FillNormal(ulong seed, ulong trial, uint stream, uint firstBlock, Span<float> destination, SimdWidth width)
        => Fill<FloatNormals, float>(new StreamKey(seed, trial, stream), firstBlock, destination, width);

    private static void Fill<TChunk, T>(in StreamKey key, uint firstBlock, Span<T> destination, SimdWidth width)
        where TChunk : struct, IChunk
        where T : unmanaged
    {
        var job = new FillJob<TChunk, T>(key, firstBlock, destination);
        SimdDispatch.Run<FillJob<TChunk, T>, double>(width, ref job);
    }

    private readonly ref struct FillJob<TChunk, T>(StreamKey key, uint firstBlock, Span<T> destination) : ISimdJob<double>
        where TChunk : struct, IChunk
        where T : unmanaged
    {
        private readonly Span<T> _destination = destination;

        /// <remarks>
        /// The double lanes come from the dispatch; their 64-bit integer view is named here, because C# has no
        /// associated types to let <typeparamref name="TLanes"/> carry it. The typeof tests are JIT-time constants:
        /// each instantiation keeps one call.
        /// </remarks>
        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct
        {
            if (typeof(TVec) == typeof(Vector512<double>)) Bundles<PhiloxLanes512, TLanes, Vector512<ulong>, TVec>.Fill<TChunk, T>(key, firstBlock, _destination);
            else if (typeof(TVec) == typeof(Vector256<double>)) Bundles<PhiloxLanes256, TLanes, Vector256<ulong>, TVec>.Fill<TChunk, T>(key, firstBlock, _destination);
            else if (typeof(TVec) == typeof(Vector128<double>)) Bundles<PhiloxLanes128, TLanes, Vector128<ulong>, TVec>.Fill<TChunk, T>(key, firstBlock, _destination);
            else if (typeof(TVec) == typeof(double)) Bundles<PhiloxLanes1, TLanes, ulong, TVec>.Fill<TChunk, T>(key, firstBlock, _destination);
            else throw new NotSupportedException($"no 64-bit integer lanes for {typeof(TVec).Name}");
        }
    }

    /// <summary>Counter words 0–2 and the key of one stream.</summary>
    internal readonly struct StreamKey(ulong seed, ulong trial, uint stream)
    {
        public readonly ulong C0 = (uint)trial, C1 = trial >> 32, C2 = stream;
        public readonly ulong K0 = (uint)seed, K1 = seed >> 32;
    }

    /// <summary>What one bundle of blocks turns into: a fixed number of elements per block, written in order.</summary>
    internal interface IChunk
    {
        static abstract int PerBlock { get; }
    }

    /// <summary>The four 32-bit words of each block.</summary>
    private readonly struct Words : IChunk { public static int PerBlock => 4; }

    /// <summary>Two 53-bit uniforms per block, from words (0, 1) and (2, 3).</summary>
    private readonly struct Uniforms : IChunk { public static int PerBlock => 2; }

    /// <summary>One Box–Muller pair per block, from the two 53-bit uniforms.</summary>
    private readonly struct Normals : IChunk { public static int PerBlock => 2; }

    /// <summary>Two Box–Muller pairs per block, from four 32-bit uniforms, rounded to float.</summary>
    private readonly struct FloatNormals : IChunk { public static int PerBlock => 4; }

    /// <summary>
    /// The generator at one width: <typeparamref name="TP"/> the 64-bit integer lanes, <typeparamref name="TL"/>
    /// the double lanes over the same registers (<typeparamref name="TU"/> and <typeparamref name="TD"/> are two
    /// views of one vector). One class so that the lane constraints are stated once, not on every helper.
    /// </summary>
    internal static class Bundles<TP, TL, TU, TD>
        where TP : struct, IPhiloxLanes<TU>
        where TL : struct, ILanes<TD, double>
        where TU : struct
        where TD : struct
    {
        /// <summary>
        /// The one driver: whole bundles straight into the destination, then at most one bundle through a stack
        /// buffer for the cut tail (recomputing a block is free of side effects, it is a pure function of its counter).
        /// </summary>
        [SkipLocalsInit]
        internal static void Fill<TChunk, T>(in StreamKey key, uint firstBlock, Span<T> destination)
            where TChunk : struct, IChunk
            where T : unmanaged
        {
            int chunk = TChunk.PerBlock * TP.Count;
            ref T dst = ref MemoryMarshal.GetReference(destination);
            uint block = firstBlock;
            int i = 0;
            for (; destination.Length - i >= chunk; i += chunk, block = unchecked(block + (uint)TP.Count))
            {
                Blocks(key, block, out TU r0, out TU r1, out TU r2, out TU r3);
                Write<TChunk, T>(r0, r1, r2, r3, ref Unsafe.Add(ref dst, i));
            }
            if (i < destination.Length)
            {
                Span<T> tail = stackalloc T[MaxChunk];
                Blocks(key, block, out TU r0, out TU r1, out TU r2, out TU r3);
                Write<TChunk, T>(r0, r1, r2, r3, ref MemoryMarshal.GetReference(tail));
                tail[..(destination.Length - i)].CopyTo(destination[i..]);
            }
        }

        /// <summary>One bundle's output in sequence order. TChunk is a JIT-time constant: one branch survives.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Write<TChunk, T>(TU r0, TU r1, TU r2, TU r3, ref T destination)
            where TChunk : struct, IChunk
            where T : unmanaged
        {
            if (typeof(TChunk) == typeof(Words))
            {
                // Pairs of words as little-endian 64-bit lanes, then one 64-bit interleave puts block j's (w0 w1)(w2 w3)
                // side by side.
                TP.Zip(TP.Or(r0, TP.ShiftLeft(r1, 32)), TP.Or(r2, TP.ShiftLeft(r3, 32)), out TU lower, out TU upper);
                ref ulong d = ref Unsafe.As<T, ulong>(ref destination);
                TP.Store(lower, ref d);
                TP.Store(upper, ref Unsafe.Add(ref d, TP.Count));
            }
            else if (typeof(TChunk) == typeof(Uniforms))
                StoreInterleaved(Uniform53(r0, r1), Uniform53(r2, r3), ref Unsafe.As<T, double>(ref destination));
            else if (typeof(TChunk) == typeof(Normals))
            {
                BoxMuller(Uniform53(r0, r1), Uniform53(r2, r3), out TD x, out TD y);
                StoreInterleaved(x, y, ref Unsafe.As<T, double>(ref destination));
            }
            else if (typeof(TChunk) == typeof(FloatNormals))
            {
                BoxMuller(Uniform32(r0), Uniform32(r1), out TD xa, out TD ya);
                BoxMuller(Uniform32(r2), Uniform32(r3), out TD xb, out TD yb);
                // Block j must come out as xa_j ya_j xb_j yb_j: a 4-way interleave as two rounds of 2-way ones.
                TP.Zip(xa, xb, out TD x0, out TD x1);
                TP.Zip(ya, yb, out TD y0, out TD y1);
                TP.Zip(x0, y0, out TD o0, out TD o1);
                TP.Zip(x1, y1, out TD o2, out TD o3);
                ref float f = ref Unsafe.As<T, float>(ref destination);
                TP.StoreNarrow(o0, o1, ref f);
                TP.StoreNarrow(o2, o3, ref Unsafe.Add(ref f, 2 * TP.Count));
            }
            else throw new NotSupportedException(typeof(TChunk).Name);
        }

        /// <summary>first_0 second_0 first_1 second_1 …: block j's two values side by side.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreInterleaved(TD first, TD second, ref double destination)
        {
            TP.Zip(first, second, out TD lower, out TD upper);
            TL.Store(lower, ref destination);
            TL.Store(upper, ref Unsafe.Add(ref destination, TP.Count));
        }

        /// <summary>
        /// Philox4x32-10 on TP.Count consecutive blocks; outputs are the four 32-bit words, clean (high halves zero).
        /// Same round as <see cref="Philox4x32.Block"/>: (c0, c1, c2, c3) ← (hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2),
        /// hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)), then the key is bumped by the Weyl constants.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Blocks(in StreamKey key, uint firstBlock, out TU r0, out TU r1, out TU r2, out TU r3)
        {
            TU c3 = TP.Add(TP.Broadcast(firstBlock), TP.Indices); // may carry past bit 31: the high half is ignored, so it wraps
            Blocks(TP.Broadcast(key.C0), TP.Broadcast(key.C1), TP.Broadcast(key.C2), c3, TP.Broadcast(key.K0), TP.Broadcast(key.K1),
                   out r0, out r1, out r2, out r3);
        }

        /// <summary>
        /// One Box–Muller pair per lane, where every lane has its own counter (c0, c1, c2, c3) = (trial low, trial high,
        /// stream, block) and key (k0, k1) = (seed low, seed high), each word in the low half of its 64-bit lane: lane j's
        /// (x, y) are normals 2·block and 2·block + 1 of the stream <see cref="FillNormal(ulong, ulong, uint, uint, Span{double})"/>
        /// fills for (seed, trial_j, stream_j) — the same bits. For engines that run one trial per lane (the sampled
        /// shortcut CNN), where the lanes of a bundle are different streams rather than consecutive blocks of one.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void NormalPair(TU c0, TU c1, TU c2, TU c3, TU k0, TU k1, out TD x, out TD y)
        {
            Blocks(c0, c1, c2, c3, k0, k1, out TU r0, out TU r1, out TU r2, out TU r3);
            BoxMuller(Uniform53(r0, r1), Uniform53(r2, r3), out x, out y);
        }

        /// <summary>
        /// <see cref="NormalPair"/> for the four consecutive blocks c3 … c3 + 3 of the same per-lane streams, the rounds
        /// of the four interleaved: one Philox block is a chain of 10 dependent multiply–shift–xor rounds (~7 cycles
        /// each) and the four chains overlap, where four separate calls leave it to the out-of-order window. Same bits as
        /// four <see cref="NormalPair"/> calls. The eight normals go to destination + q·stride, q = 0 … 7 (normal 2i and
        /// 2i + 1 from block c3 + i).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void NormalPairs4(TU c0, TU c1, TU c2, uint block, TU k0, TU k1, ref double destination, int stride)
        {
            TU a0 = c0, a1 = c1, a2 = c2, a3 = TP.Broadcast(block);
            TU b0 = c0, b1 = c1, b2 = c2, b3 = TP.Broadcast(unchecked(block + 1));
            TU d0 = c0, d1 = c1, d2 = c2, d3 = TP.Broadcast(unchecked(block + 2));
            TU e0 = c0, e1 = c1, e2 = c2, e3 = TP.Broadcast(unchecked(block + 3));
            TU m0 = TP.Broadcast(Philox4x32.M0), m1 = TP.Broadcast(Philox4x32.M1);
            TU w0 = TP.Broadcast(Philox4x32.W0), w1 = TP.Broadcast(Philox4x32.W1);
            for (int round = 0; round < Philox4x32.Rounds; round++)
            {
                Round(ref a0, ref a1, ref a2, ref a3, k0, k1, m0, m1);
                Round(ref b0, ref b1, ref b2, ref b3, k0, k1, m0, m1);
                Round(ref d0, ref d1, ref d2, ref d3, k0, k1, m0, m1);
                Round(ref e0, ref e1, ref e2, ref e3, k0, k1, m0, m1);
                k0 = TP.Add(k0, w0);
                k1 = TP.Add(k1, w1);
            }
            TU low = TP.Broadcast(0xFFFF_FFFFUL);
            Pair(a0, a1, a2, a3, low, ref destination, stride);
            Pair(b0, b1, b2, b3, low, ref Unsafe.Add(ref destination, 2 * stride), stride);
            Pair(d0, d1, d2, d3, low, ref Unsafe.Add(ref destination, 4 * stride), stride);
            Pair(e0, e1, e2, e3, low, ref Unsafe.Add(ref destination, 6 * stride), stride);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pair(TU r0, TU r1, TU r2, TU r3, TU low, ref double destination, int stride)
        {
            BoxMuller(Uniform53(TP.And(r0, low), TP.And(r1, low)), Uniform53(TP.And(r2, low), TP.And(r3, low)), out TD x, out TD y);
            TL.Store(x, ref destination);
            TL.Store(y, ref Unsafe.Add(ref destination, stride));
        }

        /// <summary>One Philox round of one block (the key bump is the caller's, shared by the blocks it interleaves).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Round(ref TU c0, ref TU c1, ref TU c2, ref TU c3, TU k0, TU k1, TU m0, TU m1)
        {
            TU p0 = TP.MultiplyLow32(c0, m0);
            TU p1 = TP.MultiplyLow32(c2, m1);
            c0 = TP.Xor(TP.Xor(TP.ShiftRightLogical(p1, 32), c1), k0);
            c1 = p1;
            c2 = TP.Xor(TP.Xor(TP.ShiftRightLogical(p0, 32), c3), k1);
            c3 = p0;
        }

        /// <summary>Philox4x32-10 on per-lane counters and keys (words in the low halves).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Blocks(TU c0, TU c1, TU c2, TU c3, TU k0, TU k1, out TU r0, out TU r1, out TU r2, out TU r3)
        {
            TU m0 = TP.Broadcast(Philox4x32.M0), m1 = TP.Broadcast(Philox4x32.M1);
            TU w0 = TP.Broadcast(Philox4x32.W0), w1 = TP.Broadcast(Philox4x32.W1);
            for (int round = 0; round < Philox4x32.Rounds; round++)
            {
                // High halves of every lane are don't-care between rounds: MultiplyLow32 reads only the low halves and
                // the xor/add results' low halves are the 32-bit Philox values.
                Round(ref c0, ref c1, ref c2, ref c3, k0, k1, m0, m1);
                k0 = TP.Add(k0, w0);
                k1 = TP.Add(k1, w1);
            }
            TU low = TP.Broadcast(0xFFFF_FFFFUL);
            r0 = TP.And(c0, low);
            r1 = TP.And(c1, low);
            r2 = TP.And(c2, low);
            r3 = TP.And(c3, low);
        }

        /// <summary>
        /// <see cref="Philox4x32.ToUniformDouble"/> on lanes, bit for bit: bits = hi·2^21 + (lo ≫ 11) &lt; 2^53 is formed
        /// as an exact double from two exact pieces (2^52 bit-pattern trick), and the FMA rounds bits + ½ once, as the
        /// scalar <c>bits + 0.5</c> does.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TD Uniform53(TU hi, TU lo)
        {
            TU magic = TP.Broadcast(BoxMullerMath.TwoTo52Bits);
            TD high = TL.Subtract(TP.AsDouble<TD>(TP.Or(hi, magic)), TL.Create(BoxMullerMath.TwoTo52));
            TD lowPlusHalf = TL.Subtract(TP.AsDouble<TD>(TP.Or(TP.ShiftRightLogical(lo, 11), magic)), TL.Create(BoxMullerMath.TwoTo52 - 0.5));
            TD u = TL.Multiply(TL.FusedMultiplyAdd(high, TL.Create(1 << 21), lowPlusHalf), TL.Create(TwoToMinus53));
            return TL.Min(u, TL.Create(Philox4x32.LargestUniform));
        }

        /// <summary>(w + ½)·2^-32, exact in double: the float sequence's uniform from one word.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TD Uniform32(TU word)
        {
            TD wordPlusHalf = TL.Subtract(TP.AsDouble<TD>(TP.Or(word, TP.Broadcast(BoxMullerMath.TwoTo52Bits))), TL.Create(BoxMullerMath.TwoTo52 - 0.5));
            return TL.Multiply(wordPlusHalf, TL.Create(TwoToMinus32));
        }

        /// <summary>Box–Muller: (√(−2 ln u1)·cos 2πu2, √(−2 ln u1)·sin 2πu2), in the scalar stream's operation order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void BoxMuller(TD u1, TD u2, out TD x, out TD y)
        {
            TD r = TL.Sqrt(TL.Multiply(TL.Create(-2.0), BoxMullerMath<TP, TL, TU, TD>.Log(u1)));
            BoxMullerMath<TP, TL, TU, TD>.SinCos(TL.Multiply(TL.Create(TwoPi), u2), out TD sin, out TD cos);
            x = TL.Multiply(r, cos);
            y = TL.Multiply(r, sin);
        }
    }
}
