using System.Text.Json;
using Nodus.Core.Relay;
using Nodus.Web.Live;
using Nodus.Wire.Encoding;

namespace Nodus.Web.Tests;

/// <summary>
/// The dashboard in a real headless Chromium over a real devnet: every check reads both the page (what a person
/// sees) and the nodes themselves (through their event loops), and every action is a click on the page.
/// </summary>
public sealed class DashboardTests(DevnetFixture fixture) : IClassFixture<DevnetFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);
    /// <summary>Ten mean addr-relay intervals (Bitcoin Core's 30 s): see the discovery test.</summary>
    private static readonly TimeSpan AddrGossipTimeout =
        TimeSpan.FromSeconds(10 * Nodus.Core.Time.ToSeconds(Nodus.Core.Discovery.AddressRelay.AvgAddressBroadcastInterval));
    private Browser Page => fixture.Browser;
    private Devnet Devnet => fixture.Devnet;

    private PageSummary Summary() =>
        JsonSerializer.Deserialize<PageSummary>((string)Page.Js("return JSON.stringify(window.nodus.summary())")!, JsonOptions)!;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record PageNode(int Height, string Tip, int Peers, int Mempool, string Relay);
    private sealed record PageSummary(int Nodes, int Links, int TipHeight, string Tip, bool Cut, Dictionary<string, PageNode> Heights);

    /// <summary>Each real node's (height, tip hash), read on its own loop.</summary>
    private async Task<Dictionary<string, (int Height, string Tip)>> RealTipsAsync()
    {
        var result = new Dictionary<string, (int, string)>();
        foreach (var stats in await Devnet.GetStatsAsync()) result[stats.Node] = (stats.Height, stats.Tip);
        return result;
    }

    private void WaitForPageNodes(int count) =>
        Page.WaitUntil(() => Summary().Nodes == count && Summary().Links >= count - 1, Timeout, $"{count} nodes drawn");

    /// <summary>Every node of the page on one tip of at least <paramref name="height"/>, and the real nodes agree.</summary>
    private async Task WaitForOneTipAsync(int height, string what)
    {
        Page.WaitUntil(() =>
        {
            var s = Summary();
            return s.TipHeight >= height && s.Heights.Values.All(n => n.Tip == s.Tip);
        }, Timeout, what);
        // The real nodes agree too (polled: the page may show a node's block a moment before its neighbour connects it).
        var deadline = DateTime.UtcNow + Timeout;
        Dictionary<string, (int Height, string Tip)> real;
        do
        {
            real = await RealTipsAsync();
            if (real.Values.Select(t => t.Tip).Distinct().Count() == 1 && real.Values.First().Height >= height) break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Single(real.Values.Select(t => t.Tip).Distinct());
        Assert.True(real.Values.First().Height >= height);
        Page.WaitUntil(() => Summary().Tip == real.Values.First().Tip, Timeout, "the page on the real nodes' tip");
    }

    private void MineOnPage(string node)
    {
        Page.SelectNode(node);
        Page.Click("btn-mine");
    }

    [Fact]
    public async Task Page_Loads_DrawsEveryNodeAndTheirConnections()
    {
        int count = Devnet.NodeNames.Count;
        WaitForPageNodes(count);
        int tip = Summary().TipHeight;
        MineOnPage(Devnet.NodeNames.First());
        await WaitForOneTipAsync(tip + 1, "a new block on every node");
        Assert.True(Page.JsLong("return window.nodus.graph.simNodes.size") == count, "the canvas layout holds every node");
        Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), Page.Text("stat-nodes"));
        Page.Screenshot("loaded");
    }

    [Fact]
    public async Task Discovery_FromTheBootnode_FillsEveryAddressBook_ShownOnThePage()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        // Each node was told only the bootnode's address: the others reach its book through addr gossip. A getaddr
        // reply is at most 23% of the book (Bitcoin Core), which is no address at all below five, so the last nodes to
        // join learn a second address only when a relayed self-announcement leads a peer to dial them, and relays
        // wait for each peer's addr timer (exponential, mean 30 s). Runs took 1-40 s; one CI run passed 90 s
        // (two timers in a row exceed 90 s with probability 0.2), so this waits far longer than the page checks.
        var started = DateTime.UtcNow;
        var deadline = started + AddrGossipTimeout;
        IReadOnlyList<Nodus.Sim.Trace.NodeStats> stats;
        var timeline = new System.Text.StringBuilder(); // each change of the books' sizes, for the failure message
        string last = "";
        do
        {
            stats = await Devnet.GetStatsAsync();
            string now = string.Join(" ", stats.Select(n => $"{n.Node}:{n.Addresses}a/{n.Peers}p"));
            if (now != last) timeline.Append($"\n  +{(DateTime.UtcNow - started).TotalSeconds:F1}s {now}");
            last = now;
            if (stats.All(n => n.Addresses >= 2)) break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);
        Assert.All(stats, n => Assert.True(n.Addresses >= 2, $"node {n.Node} knows {n.Addresses} addresses; books (node:addresses/peers) over time:{timeline}"));
        Page.WaitUntil(() => Page.JsLong("return Math.min(...[...window.nodus.model.nodes.values()].map(n => n.addresses))") >= 2,
            Timeout, "address-book sizes on the page");
    }

    [Fact]
    public async Task AddNode_Button_NewNodeJoinsAndReachesTheTip()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        int start = Summary().TipHeight;
        MineOnPage(Devnet.NodeNames.First());
        await WaitForOneTipAsync(start + 1, "a block everywhere");
        MineOnPage(Devnet.NodeNames.Last());
        await WaitForOneTipAsync(start + 2, "two blocks everywhere");
        int before = Devnet.NodeNames.Count;
        int tip = Summary().TipHeight;

        Page.Click("btn-add");
        Page.WaitUntil(() => Summary().Nodes == before + 1, Timeout, "the added node on the page");
        Assert.Equal(before + 1, Devnet.NodeNames.Count);
        string added = Devnet.NodeNames.Last();
        Page.WaitUntil(() => Summary().Heights.TryGetValue(added, out var n) && n.Height == tip && n.Peers > 0, Timeout,
            $"node {added} synced to height {tip}");
        await WaitForOneTipAsync(tip, "the new node on the same tip");
        Page.Screenshot("node-added");
    }

    [Fact]
    public async Task DeleteRandomNode_Button_RemovesOneAndTheRestStayConnected()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        int before = Devnet.NodeNames.Count;
        Page.Click("btn-delete-random");
        Page.WaitUntil(() => Summary().Nodes == before - 1, Timeout, "one node fewer on the page");
        Assert.Equal(before - 1, Devnet.NodeNames.Count);

        // Still one network: a block mined anywhere reaches every remaining node.
        int tip = Summary().TipHeight;
        MineOnPage(Devnet.NodeNames.Last());
        await WaitForOneTipAsync(tip + 1, "a new block on every remaining node");
        Assert.True(Connected(), "the page's graph of the remaining nodes is connected");
        Page.Screenshot("node-deleted");
    }

    [Fact]
    public async Task SendTransaction_FromPage_AppearsAtEveryNode()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        string source = Devnet.NodeNames.First();
        Page.SelectNode(source);
        Page.Click("btn-send-tx");
        string txid = "";
        Page.WaitUntil(() =>
        {
            string message = Page.Text("message");
            if (!message.StartsWith($"send transaction from {source}:", StringComparison.Ordinal)) return false;
            var words = message.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            txid = words.LastOrDefault(w => w.Length == 64) ?? "";
            return txid.Length == 64;
        }, Timeout, "the transaction id in the page's message");
        int count = Devnet.NodeNames.Count;
        Page.WaitUntil(() => Page.JsLong("const x = window.nodus.model.txs.get(arguments[0]); return x ? x.nodes.size : 0", txid) == count,
            Timeout, $"transaction {txid} at all {count} nodes on the page");
        var hash = Hash256.Parse(txid);
        foreach (var name in Devnet.NodeNames)
        {
            bool has = await Devnet.HostOf(name)!.InvokeAsync((engine, _) =>
                engine.GetBehaviour<TransactionRelay>()!.GetTransaction(hash, includeStem: true) is not null);
            Assert.True(has, $"node {name} holds {txid}");
        }
        Page.Screenshot("transaction");
    }

    [Fact]
    public async Task CutAndHeal_Buttons_SplitTheTipsThenReuniteOnOne()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        Page.Click("btn-cut");
        Page.WaitUntil(() => Summary().Cut, Timeout, "the cut shown");
        var names = Devnet.NodeNames.ToList();
        string a = names[0], b = names[^1]; // the halves are the lower and the upper half by node number
        int tip = Summary().TipHeight;
        MineOnPage(a);
        MineOnPage(b);
        // Each half follows its own block (a node whose every link crossed the cut stays behind, cut off).
        Page.WaitUntil(() =>
        {
            var s = Summary();
            return s.Heights[a].Height == tip + 1 && s.Heights[b].Height == tip + 1 && s.Heights[a].Tip != s.Heights[b].Tip;
        }, Timeout, "two halves on two tips");
        var split = await RealTipsAsync();
        Assert.NotEqual(split[a].Tip, split[b].Tip);
        Page.Screenshot("cut");

        Page.Click("btn-heal");
        Page.WaitUntil(() => !Summary().Cut, Timeout, "the heal shown");
        // Equal work on both sides: the next block decides, and every node follows the longer chain.
        MineOnPage(a);
        await WaitForOneTipAsync(tip + 2, "one tip after healing");
        Page.Screenshot("healed");
    }

    [Fact]
    public async Task RelayPolicy_Select_ChangesTheNodesPolicy()
    {
        WaitForPageNodes(Devnet.NodeNames.Count);
        string node = Devnet.NodeNames.First();
        Page.SelectNode(node);
        Page.Choose("relay-select", "dandelion");
        Page.WaitUntil(() => Summary().Heights[node].Relay == "dandelion", Timeout, "dandelion in the node's stats");
        string real = await Devnet.HostOf(node)!.InvokeAsync((engine, _) => engine.GetBehaviour<TransactionRelay>()!.Policy.Kind.ToCliName());
        Assert.Equal("dandelion", real);
    }

    /// <summary>Breadth-first search over the page's links.</summary>
    private bool Connected()
    {
        var s = Summary();
        var links = JsonSerializer.Deserialize<List<string[]>>((string)Page.Js(
            "return JSON.stringify([...window.nodus.model.links.values()].map(l => [l.from, l.to]))")!)!;
        var seen = new HashSet<string> { s.Heights.Keys.First() };
        var queue = new Queue<string>(seen);
        while (queue.TryDequeue(out var v))
            foreach (var l in links)
            {
                string? w = l[0] == v ? l[1] : l[1] == v ? l[0] : null;
                if (w is not null && s.Heights.ContainsKey(w) && seen.Add(w)) queue.Enqueue(w);
            }
        return seen.Count == s.Nodes;
    }
}
