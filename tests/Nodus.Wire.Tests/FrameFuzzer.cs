using System.Buffers;
using System.Buffers.Binary;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using WireCodec = Nodus.Wire.Encoding.Wire;

namespace Nodus.Wire.Tests;

/// <summary>Outcome counts of a fuzz run, and the worst allocation seen relative to the frame's length.</summary>
internal sealed class FuzzReport
{
    public long Frames;
    public readonly Dictionary<ReadStatus, long> ByStatus = [];
    /// <summary>Per known command: how many mutated payloads decoded, and how many the decoder refused.</summary>
    public readonly Dictionary<string, (long Decoded, long Refused)> ByCommand = [];
    public long MaxAllocated;
    public int MaxAllocatedFrameLength;
    public double MaxBytesPerFrameByte;
    public TimeSpan Elapsed;
}

/// <summary>
/// Feeds the frame reader mutated and random frames from a seeded <see cref="Random"/>. Most mutations keep the
/// header's length and checksum consistent with the mutated payload, so that they get past framing and exercise
/// the message decoders rather than dying at the checksum.
/// </summary>
internal sealed class FrameFuzzer
{
    /// <summary>
    /// Allocation allowed per decode: this many bytes per frame byte, plus <see cref="AllocationSlack"/>. The densest
    /// legal input is a witness stack of one-byte items (2 wire bytes become a 32-byte array and an 8-byte slot, 20 B
    /// per byte); counts are checked against the bytes left, so nothing larger can be provoked.
    /// </summary>
    public const int AllocationPerFrameByte = 32;
    public const int AllocationSlack = 16 * 1024;

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7f, 0x80, 0xfc, 0xfd, 0xfe, 0xff];
    private readonly Random _random;
    private readonly uint _magic;
    private readonly byte[][] _corpus;
    private readonly string[] _commands;

    public FrameFuzzer(int seed, uint magic)
    {
        _random = new Random(seed);
        _magic = magic;
        _corpus = [.. Samples.AllMessages().Select(m => FrameWriter.Serialize(magic, m)),
            Vectors.Bytes(Vectors.VersionFrameHex) is var v ? Reframe(v) : [],
            FrameWriter.Serialize(magic, new TxMessage(Samples.Transaction(Vectors.SegwitTxHex))),
            FrameWriter.Serialize(magic, new BlockMessage(WireCodec.Decode<Types.Block>(Vectors.Bytes(Vectors.MainnetGenesisBlockHex))))];
        _commands = [.. MessageCodec.KnownCommands, "sendcmpct", "wtxidrelay", "feefilter", ""];
    }

    private byte[] Reframe(byte[] frame)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, _magic);
        return frame;
    }

    public FuzzReport Run(long frames)
    {
        var report = new FuzzReport();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long i = 0; i < frames; i++)
        {
            var frame = Next();
            var buffer = _random.Next(10) == 0 ? Samples.Segmented(frame, 1 + _random.Next(64)) : new ReadOnlySequence<byte>(frame);
            FrameResult result;
            long allocated;
            try
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                result = FrameReader.TryRead(ref buffer, _magic);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"frame {i}: {e.GetType().Name} {e.Message}\n{Convert.ToHexStringLower(frame)}", e);
            }
            Record(report, result, frame, allocated, i);
            if (result.Message is BlockMessage block) CheckLazyBlock(block.Block, i);
            if (result.Message is { } message) CheckReencoding(message, i);
        }
        report.Frames = frames;
        report.Elapsed = clock.Elapsed;
        return report;
    }

    /// <summary>
    /// A decoded block holds its transactions as bytes that passed <see cref="Types.TransactionLayout"/>; materializing
    /// them must succeed and agree with the ids hashed from the bytes, or the validator and the decoder disagree.
    /// </summary>
    private static void CheckLazyBlock(Types.Block block, long index)
    {
        var fromBytes = block.GetTransactionIds();
        var bytes = block.Serialize();
        try
        {
            var fromObjects = block.Transactions.Select(t => t.GetHash()).ToArray();
            if (!fromBytes.AsSpan().SequenceEqual(fromObjects)) throw new InvalidOperationException("txids differ");
            if (!bytes.AsSpan().SequenceEqual(block.Serialize())) throw new InvalidOperationException("re-encoding differs");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"frame {index}: lazy block disagrees with its transactions: {e.Message}", e);
        }
    }

    /// <summary>Whatever was accepted must encode, and that encoding must decode to itself.</summary>
    private static void CheckReencoding(IMessage message, long index)
    {
        var payload = MessageCodec.EncodePayload(message);
        var again = MessageCodec.Decode(message.Command, new ReadOnlySequence<byte>(payload));
        if (again.Status != ReadStatus.Message || !payload.AsSpan().SequenceEqual(MessageCodec.EncodePayload(again.Message!)))
            throw new InvalidOperationException($"frame {index}: {message.Command} does not re-encode stably: {again.Error}");
    }

    private static void Record(FuzzReport report, FrameResult result, byte[] frame, long allocated, long index)
    {
        if (result.Status is not (ReadStatus.NeedMoreData or ReadStatus.Message or ReadStatus.UnknownCommand or ReadStatus.Error))
            throw new InvalidOperationException($"frame {index}: status {result.Status}");
        if (result.Status == ReadStatus.Error && string.IsNullOrEmpty(result.Error))
            throw new InvalidOperationException($"frame {index}: error without a reason");
        if (result.Status == ReadStatus.Message && result.Message is null)
            throw new InvalidOperationException($"frame {index}: message status without a message");
        if (allocated > (long)AllocationPerFrameByte * frame.Length + AllocationSlack)
            throw new InvalidOperationException($"frame {index}: {allocated} bytes allocated decoding {frame.Length} bytes\n{Convert.ToHexStringLower(frame)}");

        report.ByStatus[result.Status] = report.ByStatus.GetValueOrDefault(result.Status) + 1;
        if (allocated > report.MaxAllocated)
        {
            report.MaxAllocated = allocated;
            report.MaxAllocatedFrameLength = frame.Length;
        }
        if (frame.Length >= 512) report.MaxBytesPerFrameByte = Math.Max(report.MaxBytesPerFrameByte, (double)allocated / frame.Length);

        string? command = result.Status == ReadStatus.Message ? result.Command
            : result.Error is { } e && e.StartsWith("malformed ", StringComparison.Ordinal) ? e["malformed ".Length..e.IndexOf(':')] : null;
        if (command is null) return;
        var (decoded, refused) = report.ByCommand.GetValueOrDefault(command);
        report.ByCommand[command] = result.Status == ReadStatus.Message ? (decoded + 1, refused) : (decoded, refused + 1);
    }

    private byte[] Next()
    {
        int kind = _random.Next(100);
        if (kind < 3) return RandomBytes(_random.Next(0, 128)); // raw noise: mostly refused by the magic
        if (kind < 20) return Framed(_commands[_random.Next(_commands.Length)], RandomBytes(RandomLength()), fixUp: true);

        var seed = _corpus[_random.Next(_corpus.Length)];
        var command = MessageHeader.ParseCommand(seed.AsSpan(4, MessageHeader.CommandSize))!;
        var payload = new List<byte>(seed.AsSpan(MessageHeader.Size).ToArray());
        int mutations = 1 + _random.Next(_random.Next(2) == 0 ? 2 : 10);
        for (int m = 0; m < mutations; m++) Mutate(payload);

        int header = _random.Next(100);
        if (header < 90) return Framed(command, [.. payload], fixUp: true);
        if (header < 95) return [.. seed.AsSpan(0, MessageHeader.Size), .. payload]; // stale length and checksum
        var frame = Framed(command, [.. payload], fixUp: true);
        for (int m = 1 + _random.Next(3); m > 0; m--) frame[_random.Next(MessageHeader.Size)] = (byte)_random.Next(256);
        return frame;
    }

    private int RandomLength() => _random.Next(4) switch { 0 => _random.Next(8), 1 => _random.Next(64), 2 => _random.Next(512), _ => _random.Next(4096) };

    private void Mutate(List<byte> p)
    {
        int op = _random.Next(9);
        int at = p.Count == 0 ? 0 : _random.Next(p.Count);
        switch (op)
        {
            case 0 when p.Count > 0: p[at] ^= (byte)(1 << _random.Next(8)); break;
            case 1 when p.Count > 0: p[at] = (byte)_random.Next(256); break;
            case 2 when p.Count > 0: p[at] = Interesting[_random.Next(Interesting.Length)]; break;
            case 3: p.InsertRange(at, RandomBytes(1 + _random.Next(16))); break;
            case 4 when p.Count > 0: p.RemoveRange(at, Math.Min(p.Count - at, 1 + _random.Next(32))); break;
            case 5 when p.Count > 0: p.RemoveRange(at, p.Count - at); break; // truncate
            case 6 when p.Count > 0: // duplicate a slice, as a repeated list entry would be
                int len = Math.Min(p.Count - at, 1 + _random.Next(64));
                p.InsertRange(_random.Next(p.Count + 1), p.GetRange(at, len));
                break;
            case 7: // a CompactSize count, canonical or not, at a random place
                byte[] count = _random.Next(4) switch
                {
                    0 => [(byte)_random.Next(0xfd)],
                    1 => [0xfd, (byte)_random.Next(256), (byte)_random.Next(256)],
                    2 => [0xfe, .. RandomBytes(4)],
                    _ => [0xff, .. RandomBytes(8)],
                };
                for (int k = 0; k < count.Length && at + k < p.Count; k++) p[at + k] = count[k];
                break;
            case 8 when p.Count >= 4: // a large little-endian length
                p[at] = 0xff; p[(at + 1) % p.Count] = 0xff; p[(at + 2) % p.Count] = 0xff; p[(at + 3) % p.Count] = 0x7f;
                break;
            default: p.Add((byte)_random.Next(256)); break;
        }
    }

    private byte[] Framed(string command, byte[] payload, bool fixUp)
    {
        var frame = new byte[MessageHeader.Size + payload.Length];
        MessageHeader.Write(frame, _magic, command, payload.Length, fixUp ? Sha256d.Checksum(payload) : 0);
        payload.CopyTo(frame, MessageHeader.Size);
        return frame;
    }

    private byte[] RandomBytes(int length)
    {
        var b = new byte[length];
        _random.NextBytes(b);
        return b;
    }
}
