using Nodus.Core.Chain;

namespace Nodus.Net.Runtime;

/// <summary>Where a node's chain lives in its data directory.</summary>
public static class ChainStores
{
    /// <summary>Opens the node's chain store in <paramref name="dataDir"/>.</summary>
    public static IChainStore Open(string dataDir)
    {
        _ = dataDir; // the SQLite store replaces this when it lands
        return new InMemoryChainStore();
    }
}
