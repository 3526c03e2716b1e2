using System.Buffers;
using BenchmarkDotNet.Attributes;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;

namespace Nodus.Bench.Wire;

/// <summary>
/// Decoding an inv of the maximum 50,000 entries: the cost per entry, and whether anything is allocated per entry
/// beyond the result list (40 bytes per InvVector).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class InvDecodeBenchmarks
{
    public const int Entries = InvVector.MaxPerMessage;
    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(2);
        var inv = new InvMessage(Enumerable.Range(0, Entries).Select(i => new InvVector(i % 3 == 0 ? InvType.Block : InvType.WitnessTx, BenchData.Hash(random))));
        _payload = MessageCodec.EncodePayload(inv);
    }

    [Benchmark(OperationsPerInvoke = Entries)]
    public IMessage? DecodeInv50k()
    {
        var result = MessageCodec.Decode(InvMessage.CommandName, new ReadOnlySequence<byte>(_payload));
        if (result.Status != ReadStatus.Message) throw new InvalidOperationException(result.Error);
        return result.Message;
    }
}
