using System.Buffers;
using BenchmarkDotNet.Attributes;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Bench.Wire;

/// <summary>
/// Reading a 1 MB block message (checksum and decode) against the floor of hashing the same payload once with
/// SHA-256d: the frame reader cannot be faster than the checksum it must verify.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class FrameReaderBenchmarks
{
    private byte[] _frame = [];
    private byte[] _payload = [];

    [GlobalSetup]
    public void Setup()
    {
        var block = BenchData.BlockOfSize(1_000_000, seed: 1);
        _frame = FrameWriter.Serialize(BenchData.Magic, new BlockMessage(block));
        _payload = _frame[MessageHeader.Size..];
        Console.WriteLine($"// block message frame: {_frame.Length:N0} bytes, {block.TransactionCount:N0} transactions");
    }

    [Benchmark(Baseline = true)]
    public Hash256 Sha256dOfPayload() => Sha256d.Hash(_payload);

    [Benchmark]
    public IMessage? TryReadBlockFrame()
    {
        var buffer = new ReadOnlySequence<byte>(_frame);
        var result = FrameReader.TryRead(ref buffer, BenchData.Magic);
        if (result.Status != ReadStatus.Message) throw new InvalidOperationException(result.Error);
        return result.Message;
    }

    /// <summary>Decoding alone, to show where the time of <see cref="TryReadBlockFrame"/> goes.</summary>
    [Benchmark]
    public IMessage? DecodeBlockPayload() => MessageCodec.Decode(BlockMessage.CommandName, new ReadOnlySequence<byte>(_payload)).Message;

    /// <summary>The structural walk that decoding does before copying the transactions: the floor of decoding.</summary>
    [Benchmark]
    public int ValidateBlockLayout()
    {
        var s = WireStream.ForReading(_payload);
        s.Skip(Nodus.Wire.Types.BlockHeader.EncodedSize);
        int count = 0;
        s.Count(ref count, MessageHeader.MaxPayloadLength, 10, "transactions");
        for (int i = 0; i < count; i++) Nodus.Wire.Types.TransactionLayout.Read(ref s);
        return count;
    }
}
