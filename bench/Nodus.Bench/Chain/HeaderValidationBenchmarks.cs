using BenchmarkDotNet.Attributes;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Bench.Chain;

/// <summary>
/// Header validation per second beside the raw SHA-256d rate over the same 80-byte headers: hashing alone, hash plus
/// target check, and full acceptance of a headers message (index, difficulty, median time, in-memory store).
/// Run: dotnet run -c Release --project bench/Nodus.Bench -- --filter '*HeaderValidation*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class HeaderValidationBenchmarks
{
    private const int Headers = ChainIndex.MaxHeadersResults;
    private readonly NetworkParams _network = Networks.Regtest;
    private List<BlockHeader> _headers = [];
    private long _now;

    [GlobalSetup]
    public void Setup()
    {
        var chain = ChainState.Open(_network, new InMemoryChainStore());
        var assembler = new BlockAssembler(_network);
        var tip = chain.Tip;
        for (int i = 0; i < Headers; i++)
        {
            var block = assembler.Create(tip, Time.FromUnixSeconds(tip.Time + 60));
            var header = block.Header;
            Miner.Grind(ref header, 1_000, out _);
            tip = chain.AcceptHeader(header, Time.FromUnixSeconds(header.Time)).Entry!;
            _headers.Add(header);
        }
        _now = Time.FromUnixSeconds(tip.Time);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Headers)]
    public int RawSha256d()
    {
        Span<byte> bytes = stackalloc byte[BlockHeader.EncodedSize];
        int acc = 0;
        foreach (var header in _headers)
        {
            header.WriteTo(bytes);
            acc += Sha256d.Hash(bytes).GetHashCode();
        }
        return acc;
    }

    [Benchmark(OperationsPerInvoke = Headers)]
    public int HashAndTargetCheck()
    {
        int valid = 0;
        foreach (var header in _headers)
            if (ProofOfWork.Check(header.GetHash(), header.Bits, _network.PowLimit)) valid++;
        return valid;
    }

    [Benchmark(OperationsPerInvoke = Headers)]
    public int AcceptHeadersMessage()
    {
        var chain = ChainState.Open(_network, new InMemoryChainStore());
        return chain.AcceptHeaders(_headers, _now).NewCount;
    }
}
