using FastRes.Kernels.Random;
using NUnit.Framework;

namespace FastRes.Tests.Kernels;

/// <summary>The scalar Philox4x32-10 block and the sequential <see cref="PhiloxStream"/> built on it.</summary>
public class PhiloxTests
{
    // Random123 (DEShawResearch/random123, tests/kat_vectors), the "philox4x32 10" lines: counter words 0-3,
    // key words 0-1, expected output words 0-3.
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u,
              0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
              0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u,
              0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_MatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
                                                   uint e0, uint e1, uint e2, uint e3)
    {
        Philox4x32.Block(c0, c1, c2, c3, k0, k1, out uint r0, out uint r1, out uint r2, out uint r3);
        Assert.That(new[] { r0, r1, r2, r3 }, Is.EqualTo(new[] { e0, e1, e2, e3 }));
    }

    [Test]
    public void ToUniformDouble_StaysInsideTheOpenUnitInterval()
    {
        Assert.That(Philox4x32.ToUniformDouble(0, 0), Is.EqualTo(Math.ScaleB(1.0, -54)));
        // bits = 2^53 − 1: (bits + ½) rounds to 2^53, i.e. exactly 1.0, before the clamp.
        Assert.That(Philox4x32.ToUniformDouble(uint.MaxValue, uint.MaxValue), Is.EqualTo(Philox4x32.LargestUniform));
        Assert.That(Philox4x32.LargestUniform, Is.LessThan(1.0));
        Assert.That(Philox4x32.LargestUniform, Is.EqualTo(Math.BitDecrement(1.0)));
        // The top 32 bits come from hi, the next 21 from lo's top bits: 2^52 → ½ exactly (a tie that rounds to even).
        Assert.That(Philox4x32.ToUniformDouble(0x8000_0000, 0), Is.EqualTo(0.5));
        Assert.That(Philox4x32.ToUniformDouble(0, 0x800), Is.EqualTo(1.5 * Math.ScaleB(1.0, -53)));
    }

    [Test]
    public void Stream_IsTheBlockSequenceWithTheDocumentedCounterAndKeyLayout()
    {
        const ulong seed = 0x0123_4567_89AB_CDEF, trial = 0xFEDC_BA98_7654_3210;
        const uint stream = 7;
        var s = new PhiloxStream(seed, trial, stream);
        for (uint block = 0; block < 3; block++)
        {
            Philox4x32.Block(unchecked((uint)trial), (uint)(trial >> 32), stream, block, unchecked((uint)seed), (uint)(seed >> 32),
                             out uint r0, out uint r1, out uint r2, out uint r3);
            Assert.That(new[] { s.NextUInt32(), s.NextUInt32(), s.NextUInt32(), s.NextUInt32() },
                        Is.EqualTo(new[] { r0, r1, r2, r3 }), $"block {block}");
        }
    }

    [Test]
    public void Stream_NormalsAreBoxMullerOfConsecutiveUniformPairs()
    {
        var s = new PhiloxStream(5, 9, 2);
        for (uint block = 0; block < 4; block++)
        {
            Philox4x32.Block(9, 0, 2, block, 5, 0, out uint r0, out uint r1, out uint r2, out uint r3);
            double u1 = Philox4x32.ToUniformDouble(r0, r1), u2 = Philox4x32.ToUniformDouble(r2, r3);
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            Assert.That(s.NextNormal(), Is.EqualTo(r * Math.Cos(2.0 * Math.PI * u2)), $"normal {2 * block}");
            Assert.That(s.NextNormal(), Is.EqualTo(r * Math.Sin(2.0 * Math.PI * u2)), $"normal {2 * block + 1}");
        }
    }

    [Test]
    public void DifferentSeedsTrialsAndStreamsGiveDifferentWords()
    {
        uint First(ulong seed, ulong trial, uint stream) => new PhiloxStream(seed, trial, stream).NextUInt32();
        uint baseline = First(1, 1, 1);
        Assert.That(First(1 + (1UL << 32), 1, 1), Is.Not.EqualTo(baseline), "seed high word is part of the key");
        Assert.That(First(1, 1 + (1UL << 32), 1), Is.Not.EqualTo(baseline), "trial high word is part of the counter");
        Assert.That(First(1, 1, 2), Is.Not.EqualTo(baseline));
        Assert.That(First(2, 1, 1), Is.Not.EqualTo(baseline));
    }
}
