namespace Nodus.Core.Relay;

/// <summary>How a node spreads transactions (DESIGN.md, "Behaviour and limits"; CLI <c>--relay</c>).</summary>
public enum RelayPolicyKind
{
    /// <summary>Announce to every peer after a constant delay (pre-2015 Bitcoin).</summary>
    Flood,
    /// <summary>Bitcoin Core's trickle: exponential delays per outbound peer, one shared timer for inbound peers.</summary>
    Diffusion,
    /// <summary>Dandelion++: a stem along one relay per hop, then diffusion (BIP 156, Fanti et al. 2018).</summary>
    Dandelion,
}

public static class RelayPolicyKinds
{
    public const RelayPolicyKind Default = RelayPolicyKind.Diffusion;

    /// <summary>The CLI spelling: <c>flood</c>, <c>diffusion</c> or <c>dandelion</c>.</summary>
    public static string ToCliName(this RelayPolicyKind kind) => kind switch
    {
        RelayPolicyKind.Flood => "flood",
        RelayPolicyKind.Diffusion => "diffusion",
        RelayPolicyKind.Dandelion => "dandelion",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? text, out RelayPolicyKind kind, out string? error)
    {
        error = null;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "flood" or "flooding": kind = RelayPolicyKind.Flood; return true;
            case "diffusion": kind = RelayPolicyKind.Diffusion; return true;
            case "dandelion" or "dandelion++": kind = RelayPolicyKind.Dandelion; return true;
            default:
                kind = Default;
                error = $"unknown relay policy '{text}': expected flood, diffusion or dandelion";
                return false;
        }
    }

    /// <summary>Parses the CLI value; throws <see cref="FormatException"/> with a message fit for the user.</summary>
    public static RelayPolicyKind Parse(string? text) =>
        TryParse(text, out var kind, out var error) ? kind : throw new FormatException(error);
}
