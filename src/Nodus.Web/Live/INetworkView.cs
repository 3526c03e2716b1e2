using Nodus.Core.Relay;
using Nodus.Sim.Trace;

namespace Nodus.Web.Live;

/// <summary>The outcome of a dashboard control: what was done, or why it could not be.</summary>
public sealed record ControlResult(bool Ok, string Message, string? Node = null)
{
    public static ControlResult Done(string message, string? node = null) => new(true, message, node);
    public static ControlResult Refused(string message) => new(false, message);
}

/// <summary>
/// A running network as the dashboard sees and steers it: its events go to <see cref="Events"/>, and each control
/// acts on the real nodes (through their event loops), never on a picture.
/// </summary>
public interface INetworkView : IAsyncDisposable
{
    EventHub Events { get; }

    /// <summary>The current figures of every node, read on each node's own loop.</summary>
    Task<IReadOnlyList<NodeStats>> GetStatsAsync();

    Task<ControlResult> AddNodeAsync();

    /// <summary>Stops and removes <paramref name="node"/>, or a random node when null.</summary>
    Task<ControlResult> RemoveNodeAsync(string? node);

    /// <summary>Breaks the underlay in two halves: cross-half connections close and new ones are refused until healed.</summary>
    Task<ControlResult> CutAsync();

    Task<ControlResult> HealAsync();

    Task<ControlResult> SendTransactionAsync(string node);

    Task<ControlResult> MineBlockAsync(string node);

    Task<ControlResult> SetRelayPolicyAsync(string node, RelayPolicyKind policy);
}
