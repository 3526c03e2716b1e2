using Nodus.Core.Chain;
using Nodus.Wire.Types;

namespace Nodus.Core.Tests.Chain;

/// <summary>Mines real regtest blocks for chain tests (a couple of hashes each).</summary>
internal static class ChainTestKit
{
    /// <summary>A fixed "now" a day after the genesis, so blocks spaced by minutes stay in the past.</summary>
    public static long Now(NetworkParams network) => Time.FromUnixSeconds(network.Genesis.Header.Time + 86_400L * 30);

    public static Block Mine(NetworkParams network, ChainEntry parent, uint? time = null, ulong extraNonce = 0, IEnumerable<Transaction>? txs = null)
    {
        var assembler = new BlockAssembler(network);
        long blockTime = time ?? parent.Time + 60;
        var block = assembler.Create(parent, Time.FromUnixSeconds(blockTime), txs, extraNonce: extraNonce);
        var header = block.Header;
        var status = Miner.Grind(ref header, 10_000_000, out _);
        if (status != MiningStatus.Found) throw new InvalidOperationException("could not mine a test block");
        block.Header = header;
        return block;
    }

    /// <summary>Mines and accepts <paramref name="count"/> blocks on <paramref name="parent"/>; returns the last entry.</summary>
    public static ChainEntry Extend(ChainState chain, ChainEntry parent, int count, ulong extraNonce = 0)
    {
        for (int i = 0; i < count; i++)
        {
            var block = Mine(chain.Network, parent, extraNonce: extraNonce);
            var result = chain.AcceptBlock(block, Now(chain.Network));
            if (!result.Result.IsValid) throw new InvalidOperationException(result.Result.ToString());
            parent = result.Entry!;
        }
        return parent;
    }

    public static Transaction SpendTx(byte tag, int outputs = 1, byte[]? script = null)
    {
        var tx = new Transaction
        {
            Inputs = [new TxIn { PrevOut = new OutPoint(Wire.Encoding.Sha256d.Hash([tag]), 0), ScriptSig = [ScriptOpcodes.OpTrue], Sequence = uint.MaxValue, Witness = [] }],
        };
        for (int i = 0; i < outputs; i++) tx.Outputs.Add(new TxOut { Value = 1000, ScriptPubKey = script ?? [ScriptOpcodes.OpTrue] });
        return tx;
    }
}
