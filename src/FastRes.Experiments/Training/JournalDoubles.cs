namespace FastRes.Experiments.Training;

/// <summary>
/// Doubles in a checkpoint block's tally, exactly: the journal holds non-negative integers, so each double's 64 bits go
/// in as two 32-bit halves. A cell read back from a journal is bit for bit the cell that was computed, so a resumed
/// run ends identical to a straight one.
/// </summary>
public static class JournalDoubles
{
    public static long[] Encode(ReadOnlySpan<double> values)
    {
        var tally = new long[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(values[i]);
            tally[2 * i] = (long)(bits >> 32);
            tally[2 * i + 1] = (long)(bits & 0xFFFF_FFFF);
        }
        return tally;
    }

    public static double[] Decode(ReadOnlySpan<long> tally)
    {
        if (tally.Length % 2 != 0) throw new InvalidDataException("a journaled cell holds pairs of 32-bit halves");
        var values = new double[tally.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            if ((ulong)tally[2 * i] > uint.MaxValue || (ulong)tally[2 * i + 1] > uint.MaxValue) throw new InvalidDataException("a journaled half is not 32 bits");
            values[i] = BitConverter.UInt64BitsToDouble(((ulong)tally[2 * i] << 32) | (ulong)tally[2 * i + 1]);
        }
        return values;
    }
}
