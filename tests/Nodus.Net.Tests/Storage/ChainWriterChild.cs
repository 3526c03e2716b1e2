using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Net.Storage;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Net.Tests.Storage;

/// <summary>
/// A child process that mines regtest blocks into a SQLite chain store forever, printing "height N" after each
/// commit, so that a test can kill it with SIGKILL at arbitrary moments and check what survives.
/// </summary>
public static class ChainWriterChild
{
    public const string Role = "chain-writer";

    public static int Run(string[] args)
    {
        using var store = SqliteChainStore.Open(args[0]);
        var chain = ChainState.Open(Networks.Regtest, store);
        var assembler = new BlockAssembler(Networks.Regtest);
        Console.WriteLine($"height {chain.Height}");
        for (ulong n = 0; ; n++)
        {
            // Blocks of ~100 kB so that a kill often lands in the middle of writing one.
            var txs = Enumerable.Range(0, 10).Select(i => Filler(chain.Height, i)).ToList();
            var block = assembler.Create(chain.Tip, Time.FromUnixSeconds(chain.Tip.Time + 60), txs, extraNonce: n);
            var header = block.Header;
            if (Miner.Grind(ref header, 10_000_000, out _) != MiningStatus.Found) return 2;
            block.Header = header;
            var result = chain.AcceptBlock(block, Time.FromUnixSeconds(header.Time));
            if (!result.Result.IsValid)
            {
                Console.Error.WriteLine(result.Result);
                return 1;
            }
            Console.WriteLine($"height {chain.Height}");
        }
    }

    private static Transaction Filler(int height, int index) => new()
    {
        Inputs = [new TxIn { PrevOut = new OutPoint(Sha256d.Hash(BitConverter.GetBytes(height * 100 + index)), 0), ScriptSig = [ScriptOpcodes.OpTrue], Sequence = uint.MaxValue, Witness = [] }],
        Outputs = [new TxOut { Value = 1, ScriptPubKey = new byte[10_000] }],
    };
}
