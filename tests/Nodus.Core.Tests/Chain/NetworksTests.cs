using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Xunit;

namespace Nodus.Core.Tests.Chain;

public class NetworksTests
{
    [Theory]
    [InlineData("main", Networks.MainGenesisHash)]
    [InlineData("test", Networks.TestGenesisHash)]
    [InlineData("regtest", Networks.RegtestGenesisHash)]
    [InlineData("bitcoin-regtest", Networks.BitcoinRegtestGenesisHash)]
    public void Genesis_PinnedHash_MatchesAndMeetsProofOfWork(string name, string hash)
    {
        var network = NetworkParams.Get(name);
        Assert.Equal(hash, network.GenesisHash.ToString());
        Assert.True(ProofOfWork.Check(network.GenesisHash, network.Genesis.Header.Bits, network.PowLimit));
        Assert.Equal(network.PowLimitBits, network.Genesis.Header.Bits);
        Assert.True(BlockValidator.CheckBlock(network.Genesis, network).IsValid);
    }

    [Fact]
    public void BitcoinRegtest_Genesis_IsBitcoinCoresBytes()
    {
        var genesis = Networks.BitcoinRegtest.Genesis;
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", genesis.Header.MerkleRoot.ToString());
        Assert.Equal(1296688602u, genesis.Header.Time);
        Assert.Equal(2u, genesis.Header.Nonce);
        Assert.Equal(new byte[] { 0xfa, 0xbf, 0xb5, 0xda }, Networks.BitcoinRegtest.MagicBytes);
        Assert.Equal(18444, Networks.BitcoinRegtest.DefaultPort);
    }

    [Theory]
    [InlineData("regtest")]
    [InlineData("test")]
    public void Genesis_MinedFromNonceZero_FindsThePinnedNonce(string name)
    {
        // How the pinned nonces were found (main's took ~1 M hashes, so only the cheap networks are re-mined here).
        var network = NetworkParams.Get(name);
        var header = network.Genesis.Header;
        header.Nonce = 0;
        Assert.Equal(MiningStatus.Found, Miner.Grind(ref header, 1_000_000, out _));
        Assert.Equal(network.Genesis.Header.Nonce, header.Nonce);
    }

    [Fact]
    public void Get_UnknownName_ErrorListsValidNetworks()
    {
        var error = Assert.Throws<ArgumentException>(() => NetworkParams.Get("mainnet"));
        Assert.Contains("main, test, regtest, bitcoin-regtest", error.Message);
        Assert.Same(Networks.Regtest, NetworkParams.Get("REGTEST"));
    }

    [Fact]
    public void Networks_MagicsPortsAndGenesis_AreDistinct()
    {
        var all = Networks.All;
        Assert.Equal(all.Count, all.Select(n => n.Magic).Distinct().Count());
        Assert.Equal(all.Count, all.Select(n => n.DefaultPort).Distinct().Count());
        Assert.Equal(all.Count, all.Select(n => n.GenesisHash).Distinct().Count());
        Assert.All(all.Where(n => n.Name != "bitcoin-regtest"), n => Assert.Equal(n.DefaultPort + 1, n.DefaultRpcPort));
        Assert.Empty(Networks.Regtest.DnsSeeds);
        Assert.All(Networks.Main.DnsSeeds, s => Assert.EndsWith(".example", s));
    }

    [Fact]
    public void GetBlockSubsidy_Halves_OnSchedule()
    {
        Assert.Equal(50 * ConsensusLimits.Coin, Networks.Regtest.GetBlockSubsidy(149));
        Assert.Equal(25 * ConsensusLimits.Coin, Networks.Regtest.GetBlockSubsidy(150));
        Assert.Equal(0, Networks.Regtest.GetBlockSubsidy(150 * 64));
        Assert.Equal(25 * ConsensusLimits.Coin, Networks.Main.GetBlockSubsidy(210_000));
    }

    [Fact]
    public void Miner_TestNetworkMinimumDifficulty_TakesWellUnderASecond()
    {
        var network = Networks.Test;
        var chain = ChainState.Open(network, new InMemoryChainStore());
        var block = new BlockAssembler(network).Create(chain.Tip, ChainTestKit.Now(network));
        var header = block.Header;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(MiningStatus.Found, Miner.Grind(ref header, 20_000_000, out long attempts));
        Assert.True(ProofOfWork.Check(header.GetHash(), header.Bits, network.PowLimit));
        Assert.True(attempts > 0);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{attempts} attempts took {watch.Elapsed}");
    }
}
