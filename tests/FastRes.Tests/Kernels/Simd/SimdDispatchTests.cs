using System.Runtime.Intrinsics;
using FastRes.Kernels.Simd;
using NUnit.Framework;

namespace FastRes.Tests.Kernels.Simd;

public class SimdDispatchTests
{
    private static readonly object[] Widths =
    [
        new object[] { SimdWidth.Scalar, typeof(Lanes1<double>), 1 },
        new object[] { SimdWidth.V128, typeof(Lanes128<double>), 2 },
        new object[] { SimdWidth.V256, typeof(Lanes256<double>), 4 },
        new object[] { SimdWidth.V512, typeof(Lanes512<double>), 8 },
    ];

    [TestCaseSource(nameof(Widths))]
    public void An_explicit_width_runs_its_own_lanes_even_where_not_accelerated(SimdWidth width, Type lanes, int count)
    {
        var job = new WhichLanes<double>();
        Assert.That(SimdDispatch.Run<WhichLanes<double>, double, (Type, int)>(width, ref job), Is.EqualTo((lanes, count)));
        Assert.That(SimdDispatch.LaneCount<double>(width), Is.EqualTo(count));
        Assert.That(SimdDispatch.LaneCount<float>(width), Is.EqualTo(width == SimdWidth.Scalar ? 1 : 2 * count));
    }

    [Test]
    public void Auto_runs_the_widest_accelerated_width()
    {
        int expected = Vector512.IsHardwareAccelerated ? 8 : Vector256.IsHardwareAccelerated ? 4 : Vector128.IsHardwareAccelerated ? 2 : 1;
        Assert.That(SimdDispatch.LaneCount<double>(SimdWidth.Auto), Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Widths))]
    public void Paired_runs_two_vectors_of_the_width_as_one_bundle(SimdWidth width, Type lanes, int count)
    {
        var job = new WhichLanes<float>();
        (Type type, int n) = SimdDispatch.RunPaired<WhichLanes<float>, float, (Type, int)>(width, ref job);
        Assert.That(type.GetGenericTypeDefinition(), Is.EqualTo(typeof(LanePair<,,>)));
        Assert.That(n, Is.EqualTo(2 * SimdDispatch.LaneCount<float>(width)));
    }

    [Test]
    public void A_job_without_result_writes_through_the_span_it_carries()
    {
        Span<int> seen = stackalloc int[1];
        var job = new WriteCount(seen);
        SimdDispatch.Run<WriteCount, double>(SimdWidth.V256, ref job);
        Assert.That(seen[0], Is.EqualTo(4));
    }

    [Test]
    public void Not_a_width_is_refused()
    {
        var job = new WhichLanes<double>();
        Assert.Throws<ArgumentOutOfRangeException>(() => SimdDispatch.Run<WhichLanes<double>, double, (Type, int)>((SimdWidth)3, ref job));
    }

    private readonly struct WhichLanes<T> : ISimdJob<T, (Type, int)> where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        public (Type, int) Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct => (typeof(TLanes), TLanes.Count);
    }

    private readonly ref struct WriteCount(Span<int> target) : ISimdJob<double>
    {
        private readonly Span<int> _target = target;

        public void Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, double> where TVec : struct => _target[0] = TLanes.Count;
    }
}
