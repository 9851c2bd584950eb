using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastRes.Kernels.ShortcutCnn;

/// <summary>
/// A fixed-length array whose element 0 sits on a 64-byte boundary (a cache line, and one Vector512), for the lane
/// engine's structure-of-arrays state.
/// </summary>
/// <remarks>
/// A managed T[] starts its data 16 bytes past an 8-byte-aligned object, so nearly every 512-bit load and store of a
/// lane row straddles two cache lines, and a straddling access takes two load (or store) slots. Measured on Zen 5
/// (bench mc --ablate, "misaligned state"): the engine with its state 16 bytes off a line runs at 0.85–0.90× of the
/// aligned one, double and float. The array is allocated pinned (the pinned object heap never moves it), so the
/// alignment offset computed once stays valid. Rows of a lane-major matrix stay aligned too when the lane
/// count is a multiple of the vector width, which the engine's always is.
/// </remarks>
internal readonly struct AlignedArray<T> where T : unmanaged
{
    private const int Alignment = 64;
    private readonly T[] _data;
    private readonly int _offset;

    /// <param name="phase">Bytes past a 64-byte boundary where element 0 sits: 0, except for the ablation benchmark's
    /// pre-Zen 5 layout (16). A multiple of the element size.</param>
    public AlignedArray(int length, int phase = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (phase < 0 || phase >= Alignment || phase % Unsafe.SizeOf<T>() != 0) throw new ArgumentOutOfRangeException(nameof(phase));
        int pad = 2 * Alignment / Unsafe.SizeOf<T>();
        _data = GC.AllocateArray<T>(length + pad, pinned: true);
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetArrayDataReference(_data));
        _offset = (int)((Alignment - address % Alignment) % Alignment + phase) / Unsafe.SizeOf<T>();
        Length = length;
    }

    public int Length { get; }

    /// <summary>Element <paramref name="index"/>, unchecked: the engine's indices are lane-major and in range by construction.</summary>
    public ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_data), _offset + index);
    }
}
