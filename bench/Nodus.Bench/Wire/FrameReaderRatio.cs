using System.Buffers;
using System.Diagnostics;
using Nodus.Wire.Encoding;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;

namespace Nodus.Bench.Wire;

/// <summary>
/// A load-tolerant companion to <see cref="FrameReaderBenchmarks"/>: times SHA-256d of a 1 MB block payload and
/// <c>FrameReader.TryRead</c> of its frame alternately, round after round, so both see the same contention on a
/// shared machine; the ratio of the totals (GC included) is what the benchmark's goal is about.
/// Run: <c>dotnet run -c Release --project bench/Nodus.Bench -- wire-ratio [rounds]</c>.
/// </summary>
public static class FrameReaderRatio
{
    public static void Run(int rounds)
    {
        var frame = FrameWriter.Serialize(BenchData.Magic, new BlockMessage(BenchData.BlockOfSize(1_000_000, seed: 1)));
        var payload = frame[MessageHeader.Size..];
        var sha = new double[rounds];
        var read = new double[rounds];
        var walk = new double[rounds];
        for (int i = -20; i < rounds; i++) // 20 warm-up rounds
        {
            long t0 = Stopwatch.GetTimestamp();
            Sha256d.Hash(payload);
            long t1 = Stopwatch.GetTimestamp();
            var buffer = new ReadOnlySequence<byte>(frame);
            if (FrameReader.TryRead(ref buffer, BenchData.Magic).Status != ReadStatus.Message) throw new InvalidOperationException();
            long t2 = Stopwatch.GetTimestamp();
            Walk(payload);
            long t3 = Stopwatch.GetTimestamp();
            if (i < 0) continue;
            walk[i] = Stopwatch.GetElapsedTime(t2, t3).TotalMicroseconds;
            sha[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMicroseconds;
            read[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMicroseconds;
        }
        Console.WriteLine($"{rounds} rounds, {frame.Length:N0}-byte block frame");
        Console.WriteLine($"SHA-256d: min {sha.Min():F0} us, median {Median(sha):F0} us, total {sha.Sum() / 1000:F0} ms");
        Console.WriteLine($"TryRead:  min {read.Min():F0} us, median {Median(read):F0} us, total {read.Sum() / 1000:F0} ms");
        Console.WriteLine($"of which the layout walk: min {walk.Min():F0} us, median {Median(walk):F0} us");
        Console.WriteLine($"TryRead throughput / SHA-256d throughput: {sha.Sum() / read.Sum():P0} (totals), {sha.Min() / read.Min():P0} (minimums)");
        Console.WriteLine($"TryRead at {(double)frame.Length * rounds / read.Sum():F0} MB/s (totals), {frame.Length / read.Min():F0} MB/s (minimum); " +
            $"SHA-256d at {(double)payload.Length * rounds / sha.Sum():F0} MB/s (totals)");
    }

    private static int Walk(byte[] payload)
    {
        var s = WireStream.ForReading(payload);
        s.Skip(Nodus.Wire.Types.BlockHeader.EncodedSize);
        int count = 0;
        s.Count(ref count, MessageHeader.MaxPayloadLength, 10, "transactions");
        for (int i = 0; i < count; i++) Nodus.Wire.Types.TransactionLayout.Read(ref s);
        return count;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
