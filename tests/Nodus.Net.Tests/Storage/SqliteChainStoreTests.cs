using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Net.Storage;
using Nodus.Wire.Types;
using Xunit;

namespace Nodus.Net.Tests.Storage;

public sealed class SqliteChainStoreTests : IDisposable
{
    private static readonly NetworkParams Regtest = Networks.Regtest;
    private readonly string _dir = Directory.CreateTempSubdirectory("nodus-chain-").FullName;

    private string DbPath => Path.Combine(_dir, SqliteChainStore.DefaultFileName);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private static long Now => Time.FromUnixSeconds(Regtest.Genesis.Header.Time + 86_400L * 30);

    private static ChainEntry Extend(ChainState chain, ChainEntry parent, int count, ulong extraNonce = 0, int txs = 0)
    {
        var assembler = new BlockAssembler(chain.Network);
        for (int i = 0; i < count; i++)
        {
            var mempool = Enumerable.Range(0, txs).Select(t => new Transaction
            {
                Inputs = [new TxIn { PrevOut = new OutPoint(Wire.Encoding.Sha256d.Hash([(byte)t, (byte)i, (byte)extraNonce]), 1), ScriptSig = [0x51], Sequence = uint.MaxValue, Witness = [] }],
                Outputs = [new TxOut { Value = 5, ScriptPubKey = [0x51] }],
            });
            var block = assembler.Create(parent, Time.FromUnixSeconds(parent.Time + 60), mempool, extraNonce: extraNonce);
            var header = block.Header;
            Assert.Equal(MiningStatus.Found, Miner.Grind(ref header, 1_000_000, out _));
            block.Header = header;
            var result = chain.AcceptBlock(block, Now);
            Assert.True(result.Result.IsValid, result.Result.ToString());
            parent = result.Entry!;
        }
        return parent;
    }

    [Fact]
    public void Open_NewFile_WalModeWithGenesis()
    {
        using (var store = SqliteChainStore.Open(DbPath))
        {
            var chain = ChainState.Open(Regtest, store);
            Assert.Equal(0, chain.Height);
            Assert.Equal(Regtest.GenesisHash, store.ReadBlock(Regtest.GenesisHash)!.GetHash());
        }
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
    }

    [Fact]
    public void Reopen_AfterForkAndReorg_SameChainAndBodies()
    {
        Hash256Snapshot before;
        using (var store = SqliteChainStore.Open(DbPath))
        {
            var chain = ChainState.Open(Regtest, store);
            var fork = Extend(chain, chain.Tip, 3, txs: 2);
            var losing = Extend(chain, fork, 2, extraNonce: 1);
            Extend(chain, fork, 3, extraNonce: 2, txs: 1);
            Assert.False(chain.Index.IsActive(losing));
            before = Hash256Snapshot.Of(chain);
        }
        using (var store = SqliteChainStore.Open(DbPath))
        {
            var chain = ChainState.Open(Regtest, store);
            Assert.Equal(before, Hash256Snapshot.Of(chain));
            Assert.Equal(0, chain.SkippedOnLoad);
            var snapshot = store.Load();
            Assert.Equal(chain.Height + 1, snapshot.ActiveChain.Count);
            Assert.Equal(chain.Tip.Hash, snapshot.ActiveChain[^1]);
            Assert.Equal(9, snapshot.Bodies.Count); // genesis + 3 + 2 losing (kept: append-only) + 3
            var block = chain.GetBlock(chain.Tip.Hash)!;
            Assert.Equal(2, block.Transactions.Count);
            Extend(chain, chain.Tip, 1);
            Assert.Equal(7, chain.Height);
        }
    }

    [Fact]
    public void Reopen_HeadersWithoutBodies_StillMissing()
    {
        var source = ChainState.Open(Regtest, new InMemoryChainStore());
        Extend(source, source.Tip, 5);
        var headers = Enumerable.Range(1, 5).Select(h => source.Index.GetActive(h)!.Header).ToList();
        using (var store = SqliteChainStore.Open(DbPath))
        {
            var chain = ChainState.Open(Regtest, store);
            Assert.Equal(5, chain.AcceptHeaders(headers, Now).NewCount);
            chain.AcceptBlock(source.GetBlock(headers[0].GetHash())!, Now);
        }
        using (var store = SqliteChainStore.Open(DbPath))
        {
            var chain = ChainState.Open(Regtest, store);
            Assert.Equal(5, chain.BestHeader.Height);
            Assert.Equal(1, chain.Height);
            Assert.Equal([2, 3, 4, 5], chain.Index.GetMissingBodies(16, 1024).Select(e => e.Height));
        }
    }

    [Fact]
    public void Open_OtherNetworksStore_Refused()
    {
        using (var store = SqliteChainStore.Open(DbPath)) ChainState.Open(Networks.BitcoinRegtest, store);
        using var again = SqliteChainStore.Open(DbPath);
        Assert.Throws<ChainStoreException>(() => ChainState.Open(Regtest, again));
    }

    [Fact]
    public void Reopen_WithoutCleanClose_CopyOfFilesIsIntact()
    {
        // The files as a killed process leaves them: connection never closed, WAL not checkpointed.
        var store = SqliteChainStore.Open(DbPath);
        var chain = ChainState.Open(Regtest, store);
        Extend(chain, chain.Tip, 12, txs: 3);
        var copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_dir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        using (var reopened = SqliteChainStore.Open(Path.Combine(copy, SqliteChainStore.DefaultFileName)))
            Assert.Equal(chain.Tip.Hash, ChainState.Open(Regtest, reopened).Tip.Hash);
        store.Dispose();
    }

    [Fact]
    public async Task KilledWriter_ManyTimes_RestartsWithIntactChain()
    {
        int lastReported = 0;
        var random = new Random(7);
        for (int round = 0; round < 5; round++)
        {
            using var child = Process.Start(ChildProcessEntry.StartInfo(ChainWriterChild.Role, DbPath))!;
            var errors = child.StandardError.ReadToEndAsync();
            int target = lastReported + 5 + random.Next(10);
            try
            {
                while (lastReported < target)
                {
                    var line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
                    Assert.True(line is not null, "writer died: " + (child.HasExited ? await errors : "(no exit)"));
                    lastReported = int.Parse(line.Split(' ')[1]);
                }
                // Let it get into the next blocks' writes, then SIGKILL at an arbitrary instant.
                await Task.Delay(random.Next(0, 30));
            }
            finally
            {
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync();
            }

            using var store = SqliteChainStore.Open(DbPath);
            var chain = ChainState.Open(Regtest, store);
            Assert.Equal(0, chain.SkippedOnLoad);
            Assert.True(chain.Height >= lastReported, $"round {round}: height {chain.Height} < reported {lastReported}");
            for (int h = 1; h <= chain.Height; h++)
            {
                var block = chain.GetBlock(chain.Index.GetActive(h)!.Hash);
                Assert.NotNull(block);
                Assert.True(BlockValidator.CheckBlock(block, Regtest).IsValid);
            }
            lastReported = chain.Height;
        }
        Assert.True(lastReported >= 25);
    }

    private sealed record Hash256Snapshot(string Tip, string Best, int Height, int Count, string Work)
    {
        public static Hash256Snapshot Of(ChainState c) =>
            new(c.Tip.Hash.ToString(), c.BestHeader.Hash.ToString(), c.Height, c.Index.Count, c.Tip.ChainWork.ToString());
    }
}
