using System.Runtime.Intrinsics;

namespace FastRes.Kernels.Simd;

/// <summary>The vector width a kernel runs at. <see cref="Auto"/> picks the widest accelerated one.</summary>
public enum SimdWidth
{
    Auto = 0,
    Scalar = 1,
    V128 = 128,
    V256 = 256,
    V512 = 512,
}

public static class SimdWidths
{
    /// <summary>
    /// The width <paramref name="requested"/> resolves to on this machine: Auto becomes the widest accelerated
    /// width (honouring DOTNET_PreferredVectorBitWidth through Vector512/256.IsHardwareAccelerated); an explicit
    /// width is kept even when it is not accelerated, so tests can exercise every path.
    /// </summary>
    public static SimdWidth Resolve(SimdWidth requested)
    {
        if (requested != SimdWidth.Auto) return requested;
        if (Vector512.IsHardwareAccelerated) return SimdWidth.V512;
        if (Vector256.IsHardwareAccelerated) return SimdWidth.V256;
        if (Vector128.IsHardwareAccelerated) return SimdWidth.V128;
        return SimdWidth.Scalar;
    }

    public static string Describe(SimdWidth width) => width switch
    {
        SimdWidth.V512 => "Vector512",
        SimdWidth.V256 => "Vector256",
        SimdWidth.V128 => "Vector128",
        SimdWidth.Scalar => "scalar",
        _ => "auto",
    };
}
