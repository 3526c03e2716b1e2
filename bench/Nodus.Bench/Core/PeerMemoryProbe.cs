using System.Net;
using Nodus.Core;
using Nodus.Core.Mempool;
using Nodus.Core.Peers;
using Nodus.Core.Relay;
using Nodus.Sim.Workloads;

namespace Nodus.Bench.Core;

/// <summary>
/// Live memory of the core per node and per connection end, as the simulator's scale preset builds them (a
/// <see cref="Node"/> with <see cref="TransactionRelay"/> and <see cref="TxMempool"/>, per-command traffic off):
/// N engines each dial K random others, messages are handed over at once, the clock steps by 250 ms, and one
/// transaction is diffused to every node. Bytes come from <see cref="GC.GetTotalMemory(bool)"/> after full
/// collections, minus the probe's own link table. Run: <c>dotnet run -c Release --project bench/Nodus.Bench --
/// peer-memory 5000 8</c> (docs/simulator.md, Results).
/// </summary>
public static class PeerMemoryProbe
{
    private const long Step = 250 * Time.Millisecond;

    public static void Run(int n, int outbound)
    {
        long t0 = Live();
        var nodes = new Node[n];
        var relays = new TransactionRelay[n];
        var endPoints = new IPEndPoint[n];
        var options = new NodeOptions { TrafficPerCommand = false };
        var relayOptions = new RelayOptions { Policy = RelayPolicyKind.Diffusion };
        for (int i = 0; i < n; i++)
        {
            endPoints[i] = new IPEndPoint(new IPAddress([10, (byte)((i + 1) >> 16), (byte)((i + 1) >> 8), (byte)(i + 1)]), 8333);
            nodes[i] = new Node(options, new Random(i));
            nodes[i].Context.MinimumLogSeverity = LogSeverity.Warning;
            relays[i] = new TransactionRelay(nodes[i].Context, new TxMempool(), relayOptions);
            nodes[i].AddBehaviour(relays[i]);
            nodes[i].Start(0);
        }
        long t1 = Live();

        var links = new Dictionary<(int, PeerId), (int, PeerId)>();
        var pending = new Queue<int>();
        long now = 0;
        void Pump()
        {
            while (pending.TryDequeue(out int v))
                while (nodes[v].TryPollOutput(out var output))
                {
                    if (output is not SendMessage send || !links.TryGetValue((v, send.Peer), out var to)) continue;
                    nodes[v].RecordSent(send.Peer, send.Message.Command, 100, now);
                    nodes[to.Item1].OnMessage(to.Item2, send.Message, 100, now);
                    pending.Enqueue(to.Item1);
                }
        }
        void Advance(int steps)
        {
            for (int s = 0; s < steps; s++)
            {
                now += Step;
                for (int i = 0; i < n; i++)
                    if (nodes[i].NextWakeup <= now)
                    {
                        nodes[i].OnTimer(now);
                        pending.Enqueue(i);
                    }
                Pump();
            }
        }

        var random = new Random(1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < outbound; j++)
            {
                int b = random.Next(n);
                if (b == i) continue;
                var pa = nodes[i].OnConnected(endPoints[b], ConnectionType.OutboundFullRelay, now);
                var pb = nodes[b].OnConnected(endPoints[i], ConnectionType.Inbound, now);
                links[(i, pa)] = (b, pb);
                links[(b, pb)] = (i, pa);
                pending.Enqueue(i);
                pending.Enqueue(b);
                Pump();
            }
        Advance(40); // the first pings and pongs
        relays[0].SubmitTransaction(new TransactionFactory(new Random(5)).Next(), now);
        pending.Enqueue(0);
        Pump();
        Advance(400);
        int reached = relays.Count(r => r.Mempool.Count > 0);
        long t2 = Live();

        // The probe's own link table, rebuilt the same way, is not the core's.
        var copy = new Dictionary<(int, PeerId), (int, PeerId)>();
        foreach (var kv in links) copy[kv.Key] = kv.Value;
        long t3 = Live();
        long probe = t3 - t2;
        double ends = links.Count;
        Console.WriteLine($"{n} nodes, {ends:N0} connection ends ({ends / n:F1} per node), transaction reached {reached}");
        Console.WriteLine($"per node without peers: {(t1 - t0) / (double)n:N0} B");
        Console.WriteLine($"per connection end (handshake, pings, one transaction): {(t2 - t1 - probe) / ends:N0} B");
        Console.WriteLine($"per node in all: {(t2 - t0 - probe) / (double)n:N0} B");
        GC.KeepAlive(nodes);
        GC.KeepAlive(copy);
    }

    private static long Live()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
