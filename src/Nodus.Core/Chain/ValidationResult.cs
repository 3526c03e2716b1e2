namespace Nodus.Core.Chain;

/// <summary>How a header or block fared: valid, invalid (a misbehaviour of the sender), or not yet decidable.</summary>
public enum ValidationOutcome
{
    Valid,
    /// <summary>Breaks a rule: the peer that sent it misbehaved.</summary>
    Invalid,
    /// <summary>Its parent is unknown; the sender may simply be ahead of us (ask for headers with a locator).</summary>
    MissingParent,
    /// <summary>Too far in the future for our clock now; it may become valid later, so not cached as invalid.</summary>
    TimeTooNew,
}

/// <summary>Errors as data: a reason string in Bitcoin Core's wording ("high-hash", "bad-txnmrklroot", …).</summary>
public readonly record struct ValidationResult(ValidationOutcome Outcome, string Reason)
{
    public static readonly ValidationResult Ok = new(ValidationOutcome.Valid, "");

    public bool IsValid => Outcome == ValidationOutcome.Valid;

    public static ValidationResult Invalid(string reason) => new(ValidationOutcome.Invalid, reason);

    public override string ToString() => IsValid ? "valid" : $"{Outcome}: {Reason}";
}
