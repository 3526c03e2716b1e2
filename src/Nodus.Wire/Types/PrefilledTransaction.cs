using Nodus.Wire.Encoding;

namespace Nodus.Wire.Types;

/// <summary>
/// A transaction sent whole inside a compact block (BIP 152 PrefilledTransaction), with its absolute index in the
/// block. On the wire the index is differential: <see cref="CompactBlock"/> encodes the list.
/// </summary>
public readonly record struct PrefilledTransaction(int Index, Transaction Transaction);
