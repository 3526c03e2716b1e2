using Nodus.Wire.Types;

namespace Nodus.Core.Mempool;

/// <summary>
/// Consensus rules beyond the network layer (scripts, balances): pluggable, so the network code stays independent
/// of any one ledger. A rejection is treated like Bitcoin Core's TX_CONSENSUS failure: the sending peer misbehaved.
/// </summary>
public interface ITransactionValidator
{
    /// <summary>Returns null when <paramref name="tx"/> is acceptable, otherwise the reason it is not.</summary>
    string? Validate(Transaction tx);
}

/// <summary>The default: every well-formed transaction is valid (DESIGN.md, "pluggable validator, permissive default").</summary>
public sealed class PermissiveTransactionValidator : ITransactionValidator
{
    public static readonly PermissiveTransactionValidator Instance = new();

    public string? Validate(Transaction tx) => null;
}
