using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Simd;

/// <summary>
/// A kernel entry point written once over lanes: <see cref="SimdDispatch"/> calls <see cref="Run{TLanes,TVec}"/>
/// with the lane type of the width it resolves to. The job struct carries the arguments (spans too: it may be a
/// ref struct), the generic method is the kernel.
/// </summary>
/// <remarks>
/// Why a struct with a generic method rather than a delegate: each (job, width) pair is a separate instantiation
/// over value types, so the JIT compiles the kernel specialized for that width, with every <see cref="ILanes{TVec,T}"/>
/// call inlined — exactly the code the hand-written <c>switch</c> arms used to produce, with one switch instead of
/// one per kernel.
/// </remarks>
public interface ISimdJob<T, TResult>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    TResult Run<TLanes, TVec>()
        where TLanes : struct, ILanes<TVec, T>
        where TVec : struct;
}

/// <summary>An <see cref="ISimdJob{T,TResult}"/> with nothing to return (it writes into the spans it carries).</summary>
public interface ISimdJob<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    void Run<TLanes, TVec>()
        where TLanes : struct, ILanes<TVec, T>
        where TVec : struct;
}

/// <summary>
/// The one place a <see cref="SimdWidth"/> becomes a lane type: Auto resolves to the widest accelerated width
/// (<see cref="SimdWidths.Resolve"/>), an explicit width runs even where it is not accelerated (the JIT's software
/// fallback), so tests exercise every path on any machine.
/// </summary>
public static class SimdDispatch
{
    /// <summary>Runs <paramref name="job"/> at <paramref name="width"/> and returns its result.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is not a <see cref="SimdWidth"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TResult Run<TJob, T, TResult>(SimdWidth width, ref TJob job)
        where TJob : ISimdJob<T, TResult>, allows ref struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => SimdWidths.Resolve(width) switch
        {
            SimdWidth.V512 => job.Run<Lanes512<T>, Vector512<T>>(),
            SimdWidth.V256 => job.Run<Lanes256<T>, Vector256<T>>(),
            SimdWidth.V128 => job.Run<Lanes128<T>, Vector128<T>>(),
            SimdWidth.Scalar => job.Run<Lanes1<T>, T>(),
            _ => throw new ArgumentOutOfRangeException(nameof(width), width, "not a SIMD width"),
        };

    /// <inheritdoc cref="Run{TJob,T,TResult}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run<TJob, T>(SimdWidth width, ref TJob job)
        where TJob : ISimdJob<T>, allows ref struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var adapter = new WithoutResult<TJob, T>(job);
        Run<WithoutResult<TJob, T>, T, bool>(width, ref adapter);
    }

    /// <summary>
    /// As <see cref="Run{TJob,T,TResult}"/> with the width's vectors in interleaved pairs
    /// (<see cref="LanePair{TL,TVec,T}"/>: 2 × Count lanes, two independent dependency chains per operation).
    /// The job is copied: it reports back through its result or the memory it points to.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TResult RunPaired<TJob, T, TResult>(SimdWidth width, ref TJob job)
        where TJob : ISimdJob<T, TResult>, allows ref struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var paired = new Paired<TJob, T, TResult>(job);
        return Run<Paired<TJob, T, TResult>, T, TResult>(width, ref paired);
    }

    /// <summary>Lanes per bundle at <paramref name="width"/> (1 for the scalar path).</summary>
    public static int LaneCount<T>(SimdWidth width) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var job = new LaneCountJob<T>();
        return Run<LaneCountJob<T>, T, int>(width, ref job);
    }

    private ref struct Paired<TJob, T, TResult>(TJob job) : ISimdJob<T, TResult>
        where TJob : ISimdJob<T, TResult>, allows ref struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private TJob _job = job;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TResult Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct
            => _job.Run<LanePair<TLanes, TVec, T>, VectorPair<TVec>>();
    }

    private ref struct WithoutResult<TJob, T>(TJob job) : ISimdJob<T, bool>
        where TJob : ISimdJob<T>, allows ref struct
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private TJob _job = job;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct
        {
            _job.Run<TLanes, TVec>();
            return true;
        }
    }

    private readonly struct LaneCountJob<T> : ISimdJob<T, int> where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public int Run<TLanes, TVec>() where TLanes : struct, ILanes<TVec, T> where TVec : struct => TLanes.Count;
    }
}
