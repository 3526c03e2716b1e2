using System.Net;
using Nodus.Core;
using Nodus.Core.Discovery;
using Nodus.Sim.Engine;

namespace Nodus.Sim.Scenarios;

/// <summary>
/// DNS seeds in a simulated network (<c>topology.dnsSeeds</c>): the first bootnodes each serve one, named
/// seed0.nodus.sim, seed1.nodus.sim, …, as the TCP node serves one with <c>--dns-seed</c>. They crawl
/// (<see cref="DiscoveryOptions.Crawl"/>) and answer with the same choice of addresses (<see cref="SeedSelection"/>): a
/// random sample of the addresses they reached lately and whose latest test succeeded, as many as one UDP answer
/// holds. An answer arrives one round trip after the query; a seed that is down, or cut off by a partition, is a
/// resolver timeout, and then an empty answer, as the core sees a failed lookup. Counts what was handed out, and how much of it was up.
/// </summary>
internal sealed class SimDnsSeeds
{
    /// <summary>A lookup whose seed does not answer fails after this (the stub resolver's default timeout, resolv.conf).</summary>
    public static readonly long ResolverTimeout = 5 * Time.Second;

    private readonly int _count;
    private readonly Func<int, DiscoveryService?> _service;
    private readonly Random _random;

    public SimDnsSeeds(int count, long seed, Func<int, DiscoveryService?> service)
    {
        _count = count;
        _service = service;
        _random = RandomStreams.For(seed, RandomStreams.DnsSeeds);
        Names = Enumerable.Range(0, count).Select(i => $"seed{i}.nodus.sim").ToList();
    }

    public IReadOnlyList<string> Names { get; }
    public long Queries { get; private set; }
    public long Unanswered { get; private set; }
    public long EmptyAnswers { get; private set; }
    public long AddressesGiven { get; private set; }
    /// <summary>Of <see cref="AddressesGiven"/>, those whose node was up when the answer was given.</summary>
    public long AddressesUp { get; private set; }

    /// <summary>Whether node <paramref name="v"/> serves a seed (it then crawls and asks no seed itself).</summary>
    public bool Serves(int v) => v < _count;

    public void Resolve(SimRuntime runtime, int v, IReadOnlyList<string> hosts)
    {
        foreach (var host in hosts)
        {
            Queries++;
            int s = IndexOf(host);
            if (s < 0 || !runtime.IsAlive(s) || runtime.IsCut(v, s, runtime.Now) || _service(s) is not { } seed)
            {
                Unanswered++;
                runtime.Schedule(runtime.Now + ResolverTimeout, new Answer(v, runtime.Incarnation(v), host, []));
                continue;
            }
            var good = SeedSelection.Good(seed.Addresses, SimRuntime.ListenPort, runtime.Now);
            var chosen = good.Select(g => g.Address).Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToArray();
            _random.Shuffle(chosen);
            chosen = chosen[..Math.Min(chosen.Length, SeedSelection.Ipv4AnswerCapacity(host))];
            if (chosen.Length == 0) EmptyAnswers++;
            AddressesGiven += chosen.Length;
            foreach (var a in chosen)
                if (runtime.IndexOf(new IPEndPoint(a, SimRuntime.ListenPort)) is var u and >= 0 && runtime.IsAlive(u)) AddressesUp++;
            runtime.Schedule(runtime.Now + runtime.RoundTrip(v, s), new Answer(v, runtime.Incarnation(v), host, chosen));
        }
    }

    private int IndexOf(string host)
    {
        for (int i = 0; i < Names.Count; i++)
            if (string.Equals(Names[i], host, StringComparison.OrdinalIgnoreCase)) return i;
        return -1;
    }

    /// <summary>The answer reaches the asking node, unless it has left or restarted since (a new process asks anew).</summary>
    private sealed class Answer(int v, int incarnation, string host, IReadOnlyList<IPAddress> addresses) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            if (!runtime.IsAlive(v) || runtime.Incarnation(v) != incarnation) return;
            runtime.Input(v, (node, t) => node.OnSeedsResolved(host, addresses, t));
        }
    }

    public DnsSeedResult Result(Func<int, bool> live, SimRuntime runtime)
    {
        var good = new List<double>();
        for (int s = 0; s < _count; s++)
            if (live(s) && _service(s) is { } seed) good.Add(SeedSelection.Good(seed.Addresses, SimRuntime.ListenPort, runtime.Now).Count);
        return new DnsSeedResult(_count, Queries, Unanswered, EmptyAnswers, AddressesGiven, AddressesUp, new Metrics.Stats(good));
    }
}

/// <summary>What the DNS seeds did over a case: queries, how many went unanswered (seed down) or came back empty, the
/// addresses handed out and how many of them were up, and each live seed's good addresses at the end.</summary>
public sealed record DnsSeedResult(int Seeds, long Queries, long Unanswered, long EmptyAnswers, long AddressesGiven, long AddressesUp,
    Metrics.Stats GoodAtEnd);
