using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>
/// Consensus rules beyond the network layer (scripts, balances, lock times) plug in here. The chain calls it for
/// every non-coinbase transaction of a block, and the mempool for every transaction it admits.
/// </summary>
public interface ITransactionValidator
{
    /// <summary>Checks <paramref name="tx"/> for inclusion at <paramref name="height"/>; a reason on failure.</summary>
    ValidationResult Validate(Transaction tx, int height);
}

/// <summary>The default: any well-formed transaction is accepted (structure is checked by <see cref="BlockValidator"/>).</summary>
public sealed class PermissiveTransactionValidator : ITransactionValidator
{
    public static readonly PermissiveTransactionValidator Instance = new();

    public ValidationResult Validate(Transaction tx, int height) => ValidationResult.Ok;
}
