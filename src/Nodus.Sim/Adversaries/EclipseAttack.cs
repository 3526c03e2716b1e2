using Nodus.Core;
using Nodus.Core.Discovery;
using Nodus.Core.Peers;
using Nodus.Sim.Engine;
using Nodus.Sim.Metrics;
using Nodus.Sim.Scenarios;

namespace Nodus.Sim.Adversaries;

/// <summary>
/// Heilman et al.'s eclipse attack (USENIX Security 2015) on a network grown by discovery: attacker nodes
/// (indices honest .. honest + attackerNodes − 1, each one address, spread over the /16 groups like everyone) open
/// <see cref="EclipseSpec.ConnectionsPerVictim"/> inbound connections to each victim and flood it with their
/// addresses (<see cref="EclipseAttacker"/>); then every victim restarts from its persisted book and anchors, and
/// we count how many of its outbound connections the attacker got.
/// </summary>
internal sealed class EclipseAttack
{
    private readonly EclipseSpec _spec;
    private readonly int _honest;
    private readonly int[] _victims;
    private readonly Func<int, DiscoveryService?> _service;
    private readonly List<VictimOutcome> _outcomes = [];
    private readonly Dictionary<int, (double New, double Tried)> _bookBefore = [];

    public EclipseAttack(EclipseSpec spec, int honest, int bootnodes, long seed, Func<int, DiscoveryService?> service)
    {
        _spec = spec;
        _honest = honest;
        _service = service;
        // Victims: ordinary nodes (not bootnodes), from their own seeded stream.
        var candidates = Enumerable.Range(bootnodes, Math.Max(0, honest - bootnodes)).ToArray();
        RandomStreams.For(seed, RandomStreams.EclipseVictims).Shuffle(candidates);
        _victims = [.. candidates.Take(Math.Min(spec.Victims, candidates.Length)).Order()];
    }

    public int Total => _honest + _spec.AttackerNodes;
    public bool IsAttacker(int v) => v >= _honest && v < Total;

    /// <summary>The attacker's engine: a plain node (handshake, pings, no relay) that floods addresses.</summary>
    public Node CreateAttacker(SimRuntime runtime, Random random)
    {
        var node = new Node(new NodeOptions(), random);
        var addresses = Enumerable.Range(_honest, _spec.AttackerNodes).Select(runtime.EndPointOf).ToList();
        node.AddBehaviour(new EclipseAttacker(node.Context, addresses, (long)(_spec.AddrIntervalSeconds * Time.Second)));
        return node;
    }

    public void Schedule(SimRuntime runtime, long epoch)
    {
        long attackAt = epoch + (long)(_spec.AttackAtSeconds * Time.Second);
        long restartAt = epoch + (long)(_spec.RestartAtSeconds * Time.Second);
        for (int v = _honest; v < Total; v++) runtime.ScheduleStart(v, epoch);
        runtime.Schedule(attackAt, new Connect(this));
        runtime.Schedule(restartAt, new Restart(this));
        runtime.Schedule(restartAt + (long)(_spec.SettleSeconds * Time.Second), new Measure(this));
    }

    /// <summary>Victim i gets connections from attacker nodes i·k … i·k + k − 1 (mod the attacker count): distinct
    /// per victim, and spread over all attacker nodes when there are enough victims.</summary>
    private sealed class Connect(EclipseAttack a) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            int k = Math.Min(a._spec.ConnectionsPerVictim, a._spec.AttackerNodes);
            for (int i = 0; i < a._victims.Length; i++)
                for (int r = 0; r < k; r++)
                    runtime.Dial(a._honest + (i * k + r) % a._spec.AttackerNodes, a._victims[i], ConnectionType.OutboundFullRelay);
        }
    }

    /// <summary>Each victim stops cleanly (its book and anchors persisted) and starts again a second later.</summary>
    private sealed class Restart(EclipseAttack a) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            foreach (int v in a._victims)
            {
                if (!runtime.IsAlive(v)) continue;
                a._bookBefore[v] = a.AttackerShare(v);
                runtime.Stop(v);
                runtime.ScheduleStart(v, now + RestartGap);
            }
            if (a._spec.FillInboundAfterRestart)
                runtime.Schedule(now + RestartGap + FillInboundDelay, new FillInbound(a, now + (long)(a._spec.SettleSeconds * Time.Second)));
        }
    }

    private static readonly long RestartGap = Time.Second;
    /// <summary>How soon after a victim is back the attacker, watching its address, connects to it.</summary>
    private static readonly long FillInboundDelay = 100 * Time.Millisecond;
    /// <summary>A node's inbound slots with Bitcoin Core's defaults (125 connections, 8 + 2 + 1 outbound).</summary>
    private static readonly int InboundSlots = new DiscoveryOptions().MaxInbound;

    /// <summary>Victim i gets one connection from each of attacker nodes i·s … i·s + s − 1 (mod the attacker
    /// count), s = min(inbound slots, attacker nodes): distinct addresses per victim. With
    /// <see cref="EclipseSpec.RefillInboundSeconds"/> it comes back that often until the count: each round it connects
    /// again from the addresses it lost (evicted to make room for honest peers, or refused), so every honest inbound
    /// peer must win a place through the victim's eviction rules.</summary>
    private sealed class FillInbound(EclipseAttack a, long until) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            int s = Math.Min(InboundSlots, a._spec.AttackerNodes);
            for (int i = 0; i < a._victims.Length; i++)
            {
                int v = a._victims[i];
                if (!runtime.IsAlive(v) || runtime.GetNode(v) is not { } node) continue;
                var connected = new HashSet<int>();
                foreach (var p in node.Peers) connected.Add(runtime.IndexOf(p.Remote));
                for (int r = 0; r < s; r++)
                {
                    int attacker = a._honest + (i * s + r) % a._spec.AttackerNodes;
                    if (!connected.Contains(attacker)) runtime.Dial(attacker, v, ConnectionType.OutboundFullRelay);
                }
            }
            long every = (long)(a._spec.RefillInboundSeconds * Time.Second);
            if (every > 0 && now + every < until) runtime.Schedule(now + every, this);
        }
    }

    private sealed class Measure(EclipseAttack a) : ISimAction
    {
        public void Run(SimRuntime runtime, long now)
        {
            foreach (int v in a._victims)
            {
                if (!runtime.IsAlive(v) || runtime.GetNode(v) is not { } node) continue;
                int full = 0, fullAttacker = 0, block = 0, blockAttacker = 0, inbound = 0, inboundAttacker = 0;
                foreach (var p in node.Peers)
                {
                    if (!p.IsEstablished) continue;
                    bool attacker = a.IsAttacker(runtime.IndexOf(p.Remote));
                    if (p.IsInbound)
                    {
                        inbound++;
                        if (attacker) inboundAttacker++;
                        continue;
                    }
                    if (p.ConnectionType == ConnectionType.OutboundFullRelay) { full++; if (attacker) fullAttacker++; }
                    else if (p.ConnectionType == ConnectionType.BlockRelayOnly) { block++; if (attacker) blockAttacker++; }
                }
                var (newShare, triedShare) = a._bookBefore.GetValueOrDefault(v);
                a._outcomes.Add(new VictimOutcome(v, full, fullAttacker, block, blockAttacker, inbound, inboundAttacker, newShare, triedShare));
            }
        }
    }

    /// <summary>The attacker's share of the victim's new-table references and of its tried entries.</summary>
    private (double New, double Tried) AttackerShare(int v)
    {
        if (_service(v) is not { } s) return (0, 0);
        long newRefs = 0, newAttacker = 0, tried = 0, triedAttacker = 0;
        var groups = s.Addresses;
        foreach (var info in groups.All)
        {
            bool attacker = IsAttackerAddress(info.Address);
            if (info.InTried) { tried++; if (attacker) triedAttacker++; }
            else { newRefs += info.RefCount; if (attacker) newAttacker += info.RefCount; }
        }
        return (newRefs == 0 ? 0 : newAttacker / (double)newRefs, tried == 0 ? 0 : triedAttacker / (double)tried);
    }

    private Func<AddressKey, bool> IsAttackerAddress { get; set; } = _ => false;

    public void Bind(SimRuntime runtime) => IsAttackerAddress = key => IsAttacker(runtime.IndexOf(key.EndPoint));

    public EclipseResult Summarize(bool countermeasures)
    {
        int eclipsed = _outcomes.Count(o => o.FullRelay > 0 && o.FullRelayToAttacker == o.FullRelay);
        int half = _outcomes.Count(o => o.FullRelay > 0 && 2 * o.FullRelayToAttacker >= o.FullRelay);
        return new EclipseResult
        {
            AttackerNodes = _spec.AttackerNodes,
            Countermeasures = countermeasures,
            Victims = _outcomes.Count,
            ConnectionsPerVictim = _spec.ConnectionsPerVictim,
            Eclipsed = eclipsed,
            AtLeastHalf = half,
            FullRelayToAttacker = new Stats(_outcomes.Select(o => o.FullRelay == 0 ? 0 : o.FullRelayToAttacker / (double)o.FullRelay)),
            FullRelayOutbound = new Stats(_outcomes.Select(o => (double)o.FullRelay)),
            BlockRelayToAttacker = _outcomes.Sum(o => o.BlockRelayToAttacker),
            BlockRelay = _outcomes.Sum(o => o.BlockRelay),
            NewShareBeforeRestart = new Stats(_outcomes.Select(o => o.NewShare)),
            TriedShareBeforeRestart = new Stats(_outcomes.Select(o => o.TriedShare)),
            Inbound = !_spec.FillInboundAfterRestart ? null : new InboundOutcome
            {
                Inbound = new Stats(_outcomes.Select(o => (double)o.Inbound)),
                ToAttacker = new Stats(_outcomes.Select(o => o.Inbound == 0 ? 0 : o.InboundToAttacker / (double)o.Inbound)),
                // Every connection the attacker's: the victim sees only what the attacker lets through.
                FullyEclipsed = _outcomes.Count(o => o.FullRelay > 0 && o.FullRelayToAttacker == o.FullRelay
                    && o.BlockRelayToAttacker == o.BlockRelay && o.InboundToAttacker == o.Inbound),
            },
        };
    }

    private sealed record VictimOutcome(int Node, int FullRelay, int FullRelayToAttacker, int BlockRelay, int BlockRelayToAttacker,
        int Inbound, int InboundToAttacker, double NewShare, double TriedShare);
}

/// <summary>The victims after their restart: how many of their outbound connections the attacker holds.</summary>
public sealed class EclipseResult
{
    public required int AttackerNodes { get; init; }
    public required bool Countermeasures { get; init; }
    public required int Victims { get; init; }
    public required int ConnectionsPerVictim { get; init; }
    /// <summary>Victims whose every full-relay outbound connection goes to the attacker.</summary>
    public required int Eclipsed { get; init; }
    /// <summary>Victims with at least half of their full-relay outbound connections to the attacker.</summary>
    public required int AtLeastHalf { get; init; }
    /// <summary>Per victim: the attacker's share of its full-relay outbound connections.</summary>
    public required Stats FullRelayToAttacker { get; init; }
    public required Stats FullRelayOutbound { get; init; }
    public required int BlockRelayToAttacker { get; init; }
    public required int BlockRelay { get; init; }
    /// <summary>Per victim, just before the restart: the attacker's share of new-table references and of tried entries.</summary>
    public required Stats NewShareBeforeRestart { get; init; }
    public required Stats TriedShareBeforeRestart { get; init; }
    /// <summary>With <see cref="Scenarios.EclipseSpec.FillInboundAfterRestart"/>: the victims' inbound side.</summary>
    public InboundOutcome? Inbound { get; init; }
}

/// <summary>The victims' inbound peers after the attacker filled their slots on restart.</summary>
public sealed class InboundOutcome
{
    public required Stats Inbound { get; init; }
    /// <summary>Per victim: the attacker's share of its inbound peers.</summary>
    public required Stats ToAttacker { get; init; }
    /// <summary>Victims whose every connection (full-relay and block-relay outbound, inbound) is the attacker's.</summary>
    public required int FullyEclipsed { get; init; }
}
