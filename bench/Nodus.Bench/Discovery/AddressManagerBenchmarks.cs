using BenchmarkDotNet.Attributes;
using Nodus.Core;
using Nodus.Core.Discovery;

namespace Nodus.Bench.Discovery;

/// <summary>
/// The address manager at Bitcoin Core's table sizes fed 100,000 addresses from 1,000 source groups: adds per second,
/// selections per second on the full book, getaddr replies (2,500 addresses) per second, and retained memory per
/// address (printed by the setup, "retained bytes per address").
/// Run: dotnet run -c Release --project bench/Nodus.Bench -- --filter '*AddressManager*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class AddressManagerBenchmarks
{
    private const int Addresses = 100_000, Selections = 10_000;
    private const long Now = 1_700_000_000 * Time.Second;
    private AddressKey[] _addresses = [];
    private AddressKey[] _sources = [];
    private AddressManager _full = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _addresses = Enumerable.Range(0, Addresses).Select(_ => AddressKey.FromIPv4((uint)rng.Next(0x0B000000, 0x5F000000), 8333)).ToArray();
        _sources = Enumerable.Range(0, Addresses).Select(i => AddressKey.FromIPv4((uint)(0x60000000 + i % 1000 * 65536), 8333)).ToArray();

        long before = GC.GetTotalMemory(forceFullCollection: true);
        _full = Fill();
        foreach (var info in _full.All.Take(20_000).ToList()) _full.Good(info.Address, Now, testBeforeEvict: false);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// address manager: {Addresses} adds kept {_full.Count} ({_full.NewCount} new, {_full.TriedCount} tried); " +
                          $"retained {(after - before) / 1024} KiB, {(double)(after - before) / _full.Count:F0} bytes per address");
    }

    private AddressManager Fill()
    {
        var m = new AddressManager(AddressManagerOptions.Default, NetworkGroups.Internet, new Random(2));
        for (int i = 0; i < _addresses.Length; i++) m.Add(_addresses[i], 1, Now - Time.Hour, _sources[i], 2 * Time.Hour, Now);
        return m;
    }

    [Benchmark(OperationsPerInvoke = Addresses)]
    public int Add() => Fill().Count;

    [Benchmark(OperationsPerInvoke = Selections)]
    public int Select()
    {
        int found = 0;
        for (int i = 0; i < Selections; i++) if (_full.Select(false, Now) is not null) found++;
        return found;
    }

    [Benchmark]
    public int GetAddrReply() => _full.GetAddresses(AddressManager.GetAddrMax, AddressManager.GetAddrMaxPercent, Now).Count;
}
