using Nodus.Core.Peers;
using Nodus.Wire.Encoding;

namespace Nodus.Core.Relay;

/// <summary>The first time a node saw a transaction: from which peer (null: submitted locally), when, and
/// whether it came in the Dandelion stem. The simulator measures latency and anonymity from these.</summary>
public readonly record struct TransactionArrival(Hash256 Txid, PeerId? From, long Time, bool ViaStem);

/// <summary>Why a node fluffed a transaction it held in its stem pool or received in the stem.</summary>
public enum FluffReason
{
    /// <summary>The node is a diffuser this epoch, or has no stem relay.</summary>
    Diffuser,
    /// <summary>The embargo timer expired before the transaction was seen fluffed (black-holed stem).</summary>
    EmbargoExpired,
    /// <summary>A peer announced or sent it as an ordinary transaction: the embargo ends (BIP 156).</summary>
    SeenFluffed,
    /// <summary>The stem came back to us (a cycle), as Grin handles it.</summary>
    StemCycle,
    /// <summary>The stem pool was full.</summary>
    StemPoolFull,
}
