using Nodus.Core;
using Nodus.Sim.Engine;

namespace Nodus.Sim.Scenarios;

/// <summary>
/// Nodes leaving and joining (<see cref="ChurnSpec"/>): each non-bootnode node alternates a session and an offline
/// period. A departure is a crash (<see cref="SimRuntime.Crash"/>: peers see a reset, the book stays as of the last
/// 15-minute dump) or a clean shutdown (<see cref="SimRuntime.Stop"/>: <c>Node.Shutdown</c> writes the book and
/// anchors, then closes every connection). A join is a fresh node (its store forgotten: it knows only the bootnodes,
/// the hard-coded seeds) or a returning one (its book and anchors restored from its store), as a new engine. With
/// blocks, a node's chain store is kept the same way: a returning node reloads its chain and syncs what it missed,
/// a fresh one starts from genesis (<see cref="Departed"/>, <see cref="ForgetStores"/>).
/// </summary>
internal sealed class ChurnProcess
{
    private readonly ChurnSpec _spec;
    private readonly DiscoveryNetwork _discovery;
    private readonly int _nodes;
    private readonly Random _random;
    private readonly long _from, _until;
    private readonly List<double> _sessions = [];

    public ChurnProcess(ChurnSpec spec, DiscoveryNetwork discovery, int nodes, long seed, long runUntil)
    {
        _spec = spec;
        _discovery = discovery;
        _nodes = nodes;
        _random = RandomStreams.For(seed, RandomStreams.Churn);
        _from = ScenarioRunner.Epoch + (long)(spec.FromSeconds * Time.Second);
        _until = spec.UntilSeconds is { } u ? ScenarioRunner.Epoch + (long)(u * Time.Second) : runUntil;
    }

    /// <summary>Called as a node leaves, before the runtime stops or crashes it.</summary>
    public Action<int>? Departed { get; init; }
    /// <summary>Called as a node is about to join fresh: what it stored besides the address book is forgotten too.</summary>
    public Action<int>? ForgetStores { get; init; }

    public int Departures { get; private set; }
    public int BootnodeDepartures { get; private set; }
    public int Crashes { get; private set; }
    public int FreshJoins { get; private set; }
    public int ReturningJoins { get; private set; }

    /// <summary>Every churning node's first departure (bootnodes only with <see cref="ChurnSpec.IncludeBootnodes"/>): a
    /// session drawn from <see cref="_from"/> on.</summary>
    public void Schedule(SimRuntime runtime)
    {
        for (int v = _spec.IncludeBootnodes ? 0 : _discovery.Bootnodes; v < _nodes; v++)
        {
            long at = _from + SessionLength();
            if (at <= _until) runtime.Schedule(at, new Depart(this, v));
        }
    }

    private long SessionLength()
    {
        double mean = _spec.MeanSessionSeconds * Time.Second;
        double u = 1.0 - _random.NextDouble();
        double length = _spec.Session == "weibull"
            ? mean / Gamma(1 + 1 / _spec.WeibullShape) * Math.Pow(-Math.Log(u), 1 / _spec.WeibullShape) // scale = mean / Γ(1 + 1/k)
            : -Math.Log(u) * mean;
        _sessions.Add(length / Time.Second);
        return Math.Max(1, (long)length);
    }

    private long OfflineLength() => Math.Max(1, (long)(-Math.Log(1.0 - _random.NextDouble()) * _spec.MeanOfflineSeconds * Time.Second));

    private sealed class Depart(ChurnProcess churn, int v) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            if (!runtime.IsAlive(v)) return; // never started (arrives later than its session ended)
            churn.Departures++;
            if (v < churn._discovery.Bootnodes) churn.BootnodeDepartures++;
            churn.Departed?.Invoke(v);
            if (churn._random.NextDouble() < churn._spec.CrashFraction)
            {
                churn.Crashes++;
                runtime.Crash(v);
            }
            else runtime.Stop(v);
            runtime.Schedule(now + churn.OfflineLength(), new Join(churn, v));
        }
    }

    private sealed class Join(ChurnProcess churn, int v) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            if (churn._random.NextDouble() < churn._spec.FreshFraction)
            {
                churn.FreshJoins++;
                churn._discovery.ForgetStore(v);
                churn.ForgetStores?.Invoke(v);
            }
            else churn.ReturningJoins++;
            runtime.ScheduleStart(v, now);
            long next = now + churn.SessionLength();
            if (next <= churn._until) runtime.Schedule(next, new Depart(churn, v));
        }
    }

    public ChurnResult Result() => new()
    {
        Departures = Departures,
        BootnodeDepartures = BootnodeDepartures,
        Crashes = Crashes,
        FreshJoins = FreshJoins,
        ReturningJoins = ReturningJoins,
        SessionSeconds = new Metrics.Stats(_sessions),
    };

    /// <summary>Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 coefficients: ~15 significant digits), for the Weibull scale.</summary>
    internal static double Gamma(double x)
    {
        if (x < 0.5) return Math.PI / (Math.Sin(Math.PI * x) * Gamma(1 - x));
        x -= 1;
        double a = Lanczos[0], t = x + 7.5;
        for (int i = 1; i < Lanczos.Length; i++) a += Lanczos[i] / (x + i);
        return Math.Sqrt(2 * Math.PI) * Math.Pow(t, x + 0.5) * Math.Exp(-t) * a;
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];
}

/// <summary>What the churn did: departures (crashes vs clean), joins (fresh vs returning) and the sessions drawn.</summary>
public sealed class ChurnResult
{
    public required int Departures { get; init; }
    /// <summary>Of the departures, those of bootnodes (only with <see cref="ChurnSpec.IncludeBootnodes"/>).</summary>
    public int BootnodeDepartures { get; init; }
    public required int Crashes { get; init; }
    public required int FreshJoins { get; init; }
    public required int ReturningJoins { get; init; }
    public required Metrics.Stats SessionSeconds { get; init; }
}
