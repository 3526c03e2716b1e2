using System.CommandLine;
using System.Globalization;
using Nodus.Sim.Report;
using Nodus.Sim.Scenarios;
using Nodus.Sim.Trace;

namespace Nodus.Cli.Commands;

/// <summary>
/// <c>nodus sim</c>: runs a simulation of the real protocol code on a virtual network and writes report.json and
/// report.html. Progress goes to stderr; the report paths to stdout.
/// </summary>
public static class SimCommand
{
    /// <summary>Runs up to this many nodes write the dashboard trace unless --no-trace; larger ones only with --trace.</summary>
    public const int TraceDefaultMaxNodes = 2_000;

    public static Command Create()
    {
        var preset = new Option<string?>("--preset") { Description = "a named scenario (see --list)" };
        var scenarioFile = new Option<FileInfo?>("--scenario") { Description = "a scenario JSON file (docs/simulator.md)" };
        var nodes = new Option<int?>("--nodes") { Description = "override the number of nodes" };
        var seed = new Option<long?>("--seed") { Description = "override the seed (same seed, same report.json)" };
        var duration = new Option<double?>("--duration") { Description = "override the virtual duration in seconds" };
        var blocks = new Option<int?>("--blocks") { Description = "blocks to mine (presets with blocks)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "output directory", DefaultValueFactory = _ => new DirectoryInfo("sim-out") };
        var list = new Option<bool>("--list") { Description = "list the presets, one per line" };
        var noTrace = new Option<bool>("--no-trace") { Description = "do not write events.jsonl (the dashboard replay)" };
        var forceTrace = new Option<bool>("--trace") { Description = $"write events.jsonl even above {TraceDefaultMaxNodes:N0} nodes (~6 KB per node)" };
        var noKeepAlive = new Option<bool>("--no-keep-alive") { Description = "send no keep-alive pings (like-for-like with simulators that model none)" };
        var noCompactBlocks = new Option<bool>("--no-compact-blocks") { Description = "relay blocks whole, without BIP 152 compact blocks (cases that set compactBlocks keep it)" };
        var blockValidation = new Option<double?>("--block-validation-ms")
        {
            Description = $"virtual time each node spends validating each block; its announcements wait for it, its high-bandwidth compact block pushes do not (default 0; {WorkloadSpec.MeasuredBlockValidationMs} ms is a measured median)",
        };
        var validationSpread = new Option<double?>("--block-validation-spread")
        {
            Description = "how much validation time differs between nodes: each node's is the mean times a lognormal factor with this sigma and mean 1, drawn once per node (default 0: all equal)",
            HelpName = "SIGMA",
        };
        var dnsSeeds = new Option<int?>("--dns-seeds")
        {
            Description = "networks grown by discovery: the first N bootnodes serve DNS seeds that crawl, and every other node asks them first, as Bitcoin Core asks its DNS seeds (topology.dnsSeeds)",
            HelpName = "N",
        };
        var bootnodeConnections = new Option<int?>("--bootnode-max-connections")
        {
            Description = "networks grown by discovery: the bootnodes' -maxconnections (topology.bootnodeMaxConnections; Bitcoin Core's default is 125)",
            HelpName = "N",
        };
        var profile = new Option<bool>("--profile") { Description = "print to stderr the CPU time each kind of event took (messages by command), for finding the simulator's costs" };
        var jobs = new Option<int>("--jobs") { Description = "cases to run in parallel (each case is one thread)", DefaultValueFactory = _ => 1 };

        var command = new Command("sim", "simulate the protocol on a virtual network and report latency, fairness, bandwidth, resilience")
        {
            preset, scenarioFile, nodes, seed, duration, blocks, output, list, jobs, noTrace, forceTrace, noKeepAlive, noCompactBlocks, blockValidation, validationSpread, dnsSeeds, bootnodeConnections, profile,
        };
        command.SetAction(result =>
        {
            if (result.GetValue(list))
            {
                foreach (var p in Presets.All) Console.WriteLine($"{p.Name,-20} {p.Summary}");
                return 0;
            }
            Scenario scenario;
            try
            {
                if (result.GetValue(scenarioFile) is { } file) scenario = Scenario.Parse(File.ReadAllText(file.FullName));
                else if (result.GetValue(preset) is { } name)
                    scenario = (Presets.Find(name) ?? throw new ArgumentException($"unknown preset '{name}' (try --list)")).Create();
                else throw new ArgumentException("give --preset NAME, --scenario FILE or --list");
                if (result.GetValue(nodes) is { } n) scenario.Nodes = n;
                if (result.GetValue(seed) is { } s) scenario.Seed = s;
                if (result.GetValue(duration) is { } d) scenario.DurationSeconds = d;
                if (result.GetValue(blocks) is { } b) scenario.Workload.Blocks = b;
                if (result.GetValue(noKeepAlive)) scenario.KeepAlive = false;
                if (result.GetValue(noCompactBlocks)) scenario.CompactBlocks = false;
                if (result.GetValue(blockValidation) is { } ms) scenario.Workload.BlockValidationMs = ms;
                if (result.GetValue(validationSpread) is { } sigma) scenario.Workload.BlockValidationSpread = sigma;
                if (result.GetValue(dnsSeeds) is { } seeds) scenario.Topology.DnsSeeds = seeds;
                if (result.GetValue(bootnodeConnections) is { } limit) scenario.Topology.BootnodeMaxConnections = limit;
                scenario.Validate();
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
            {
                Console.Error.WriteLine($"nodus sim: {e.Message}");
                return 2;
            }

            var dir = result.GetValue(output)!;
            dir.Create();
            if (Environment.GetEnvironmentVariable(SimGcBudget.Variable) is { } budget)
                Console.Error.WriteLine($"nodus sim: GC gen-0 budget {budget} ({SimGcBudget.Variable})" +
                    (Environment.GetEnvironmentVariable(SimGcBudget.CallCountingDelayVariable) is { } delay
                        ? $", tier-up delay {delay} ms ({SimGcBudget.CallCountingDelayVariable})" : ""));
            Console.Error.WriteLine($"nodus sim: {SimGcBudget.ChooseLatencyMode(scenario.Nodes)}");
            if (IsUnoptimisedBuild())
                Console.Error.WriteLine("nodus sim: warning: this is a Debug build, whose code the JIT does not optimise (the bitcoin preset " +
                    "takes about twice the time); build or run with -c Release");
            string events = Path.Combine(dir.FullName, "events.jsonl");
            SimReport report;
            // The trace costs ~6 KB per node (599 MB at 100,000 nodes): on by default only for dashboard-sized runs.
            bool writeTrace = !result.GetValue(noTrace) && (result.GetValue(forceTrace) || scenario.Nodes <= TraceDefaultMaxNodes);
            // The first case's events, for `nodus dashboard --replay DIR`.
            using (var trace = writeTrace ? new TraceWriter(events) : null)
                report = new ScenarioRunner(scenario, line => Console.Error.WriteLine(line)) { EventTrace = trace, Jobs = result.GetValue(jobs), ProfileEvents = result.GetValue(profile) }.Run();
            string json = Path.Combine(dir.FullName, "report.json"), html = Path.Combine(dir.FullName, "report.html");
            File.WriteAllBytes(json, ReportJson.Serialize(report));
            File.WriteAllText(html, ReportHtml.Render(report));
            Console.WriteLine(json);
            Console.WriteLine(html);
            if (writeTrace) Console.WriteLine(events);
            else if (!result.GetValue(noTrace))
                Console.Error.WriteLine($"nodus sim: no events.jsonl above {TraceDefaultMaxNodes:N0} nodes (add --trace to write it)");
            foreach (var c in report.Cases)
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{scenario.Name}/{c.Label}: {c.EventsProcessed:N0} events, {c.VirtualSeconds:F1} virtual s, {c.WallSeconds:F2} wall s"));
            return 0;
        });
        return command;
    }

    /// <summary>Whether the simulator's assemblies were built without optimisation (a Debug build, which a bare
    /// <c>dotnet run</c> makes): the JIT then leaves their code unoptimised, 25 s of CPU for the 10,000-node bitcoin
    /// preset instead of 11.5 s.</summary>
    private static bool IsUnoptimisedBuild() =>
        typeof(Nodus.Sim.Engine.SimRuntime).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false)
            .OfType<System.Diagnostics.DebuggableAttribute>().Any(a => a.IsJITOptimizerDisabled);
}
