using Nodus.Core.Chain;
using Nodus.Net.Storage;

namespace Nodus.Net.Runtime;

/// <summary>Where a node's chain lives in its data directory.</summary>
public static class ChainStores
{
    /// <summary>Opens (or creates) the node's SQLite chain store, DATADIR/chain.sqlite.</summary>
    public static IChainStore Open(string dataDir) =>
        SqliteChainStore.Open(Path.Combine(dataDir, SqliteChainStore.DefaultFileName));
}
