namespace Nodus.Core.Mempool;

public enum MempoolAcceptStatus
{
    Accepted,
    /// <summary>Already in the mempool (or the stem pool): nothing to do, nobody to blame.</summary>
    AlreadyKnown,
    /// <summary>Breaks a context-free consensus rule (no inputs, coinbase, bad values…): the sender misbehaved.</summary>
    Malformed,
    /// <summary>Rejected by the pluggable <see cref="Chain.ITransactionValidator"/>: treated as a consensus failure.</summary>
    Invalid,
    /// <summary>Policy, not consensus (too large to be standard): rejected without blaming the sender.</summary>
    NonStandard,
    /// <summary>Spends an outpoint that a mempool transaction already spends (no replacement, no blame).</summary>
    DoubleSpend,
    /// <summary>The mempool is at its byte or count limit.</summary>
    Full,
    /// <summary>The validator does not know an input (an orphan, Core's TX_MISSING_INPUTS): its parent may still
    /// arrive, so neither blame nor the reject filter. Nodus keeps no orphan pool.</summary>
    MissingInputs,
}

/// <summary>The outcome of offering a transaction to the mempool, with a reason in Bitcoin Core's words.</summary>
public readonly record struct MempoolAcceptResult(MempoolAcceptStatus Status, string Reason)
{
    public static readonly MempoolAcceptResult Ok = new(MempoolAcceptStatus.Accepted, "");

    public bool IsAccepted => Status == MempoolAcceptStatus.Accepted;

    /// <summary>Whether Bitcoin Core would punish the peer that relayed it (consensus failures only).</summary>
    public bool IsPeerFault => Status is MempoolAcceptStatus.Malformed or MempoolAcceptStatus.Invalid;

    public override string ToString() => Status == MempoolAcceptStatus.Accepted ? "accepted" : $"{Status}: {Reason}";
}
