using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Xunit.Abstractions;

namespace Nodus.Wire.Tests;

public class FrameFuzzTests(ITestOutputHelper output)
{
    /// <summary>Frames per run in the suite; NODUS_FUZZ_FRAMES overrides it for a long run (docs/fuzzing.md).</summary>
    private const long DefaultFrames = 1_000_000;

    [Fact]
    public void TryRead_MutatedAndRandomFrames_OnlyProtocolOutcomesAndBoundedAllocation()
    {
        long frames = long.TryParse(Environment.GetEnvironmentVariable("NODUS_FUZZ_FRAMES"), out var f) ? f : DefaultFrames;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("NODUS_FUZZ_SEED"), out var s) ? s : 20261123;

        var report = new FrameFuzzer(seed, Vectors.RegtestMagic).Run(frames);

        output.WriteLine($"seed {seed}: {report.Frames:N0} frames in {report.Elapsed.TotalSeconds:F1} s " +
            $"({report.Frames / report.Elapsed.TotalSeconds:N0} frames/s)");
        foreach (var (status, count) in report.ByStatus.OrderBy(p => p.Key)) output.WriteLine($"  {status}: {count:N0}");
        foreach (var (command, (decoded, refused)) in report.ByCommand.OrderBy(p => p.Key))
            output.WriteLine($"  {command}: {decoded:N0} decoded, {refused:N0} refused by the decoder");
        output.WriteLine($"  max allocation {report.MaxAllocated:N0} B for a {report.MaxAllocatedFrameLength:N0} B frame; " +
            $"max {report.MaxBytesPerFrameByte:F1} B per frame byte (frames >= 512 B); bound {FrameFuzzer.AllocationPerFrameByte} B/byte + {FrameFuzzer.AllocationSlack} B");

        Assert.Equal(frames, report.ByStatus.Values.Sum());
        // The mutations must reach every decoder, and both accept and refuse there, or the run proves little.
        foreach (var command in MessageCodec.KnownCommands)
        {
            var (decoded, refused) = report.ByCommand.GetValueOrDefault(command);
            Assert.True(decoded > 0, $"{command}: no mutated payload decoded");
            bool emptyPayload = command is "verack" or "getaddr" or "sendheaders" or "mempool";
            Assert.True(refused > 0 || frames < 10_000, $"{command}: decoder never refused a payload");
            if (!emptyPayload) Assert.True(refused > decoded / 100, $"{command}: decoder refused too little ({refused})");
        }
        Assert.True(report.ByStatus.GetValueOrDefault(ReadStatus.UnknownCommand) > 0);
        Assert.True(report.ByStatus.GetValueOrDefault(ReadStatus.NeedMoreData) > 0);
    }
}
