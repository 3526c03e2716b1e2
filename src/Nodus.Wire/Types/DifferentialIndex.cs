using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// BIP 152's differential encoding of ascending transaction indexes: each is sent as the gap from the previous one
/// minus one (the first as itself), so a run of neighbours costs one byte each. Indexes are 16-bit as in Bitcoin Core
/// (PrefilledTransaction::index, BlockTransactionsRequest::indexes); a sum past 65,535 is refused as Core refuses it
/// ("differential value overflow", "index overflowed 16 bits").
/// </summary>
public static class DifferentialIndex
{
    /// <summary>The largest index: Bitcoin Core keeps indexes in uint16_t.</summary>
    public const int MaxIndex = ushort.MaxValue;

    /// <summary>Reads or writes <paramref name="index"/> as a gap after <paramref name="previous"/> (-1 before the first).</summary>
    public static void ReadWrite(ref WireStream s, ref int index, int previous, string what)
    {
        if (s.IsReading)
        {
            ulong gap = 0;
            s.CompactSize(ref gap);
            ulong value = (ulong)(previous + 1) + gap;
            if (gap > MaxIndex || value > MaxIndex) throw new WireFormatException($"{what}: differential index overflows 16 bits");
            index = (int)value;
        }
        else
        {
            if (index <= previous || index > MaxIndex) throw new WireFormatException($"{what}: index {index} not ascending or above {MaxIndex}");
            ulong gap = (ulong)(index - previous - 1);
            s.CompactSize(ref gap);
        }
    }
}
