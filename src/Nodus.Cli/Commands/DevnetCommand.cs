using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nodus.Core.Relay;
using Nodus.Web;
using Nodus.Web.Live;

namespace Nodus.Cli.Commands;

/// <summary>
/// <c>nodus devnet --nodes N --dashboard IP:PORT</c>: N real nodes on 127.0.0.1 … 127.0.0.N in this process, mining
/// and relaying, with the dashboard; runs until Ctrl+C.
/// </summary>
internal static class DevnetCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = $"Nodes to start, 1 to {DevnetOptions.MaxNodes} (default: 12)", DefaultValueFactory = _ => 12 };
        var dashboard = CliOptions.EndPoint("--dashboard", "Serve the dashboard on IP:PORT (default: 127.0.0.1:5080)");
        var dataDir = CliOptions.DataDir("Holds node-1 … node-N, each with its RPC cookie (default: a fresh temporary directory)");
        var relay = new Option<string>("--relay") { Description = "Transaction relay of every node: flood, diffusion or dandelion (default: diffusion)", DefaultValueFactory = _ => "diffusion" };
        var txRate = new Option<double>("--tx-rate") { Description = "Transactions per second, each sent to a random node (default: 1; 0: none)", DefaultValueFactory = _ => 1 };
        var blockInterval = new Option<double>("--block-interval") { Description = "Mean seconds between blocks, Poisson (default: 15; 0: mine only on request)", DefaultValueFactory = _ => 15 };
        var miners = new Option<int>("--miners") { Description = "How many nodes mine, sharing the interval (default: 2)", DefaultValueFactory = _ => 2 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the devnet's own random choices" };
        var logLevel = CliOptions.LogLevelOption();
        var command = new Command("devnet", "Run N real nodes on loopback with the dashboard: they discover each other, mine and relay.")
        {
            nodes, dashboard, dataDir, relay, txRate, blockInterval, miners, seed, logLevel,
        };
        command.SetAction(async (result, cancel) =>
        {
            int n = result.GetValue(nodes);
            if (n < 1 || n > DevnetOptions.MaxNodes) return CommandLineRunner.Fail($"--nodes: {n} is not 1 to {DevnetOptions.MaxNodes}");
            if (!RelayPolicyKinds.TryParse(result.GetValue(relay), out var policy, out var error)) return CommandLineRunner.Fail($"--relay: {error}");
            if (result.GetValue(txRate) is < 0 or > 1000) return CommandLineRunner.Fail("--tx-rate: use 0 to 1000 per second");
            if (result.GetValue(blockInterval) < 0) return CommandLineRunner.Fail("--block-interval: must not be negative");
            if (result.GetValue(miners) < 0) return CommandLineRunner.Fail("--miners: must not be negative");
            string dir = result.GetValue(dataDir) is { } d ? Path.GetFullPath(d)
                : Path.Combine(Path.GetTempPath(), "nodus-devnet-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var options = new DevnetOptions
            {
                Nodes = n,
                DataDir = dir,
                Relay = policy,
                TransactionRate = result.GetValue(txRate),
                BlockInterval = result.GetValue(blockInterval),
                Miners = result.GetValue(miners),
                Seed = result.GetValue(seed),
            };
            var listen = result.GetValue(dashboard) ?? new IPEndPoint(IPAddress.Loopback, 5080);

            using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(result.GetValue(logLevel))
                .AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "HH:mm:ss.fff "; }));
            Console.WriteLine($"devnet: starting {n} nodes on 127.0.0.1 … 127.0.0.{n}, port {options.P2pPort}, data in {dir}");
            Devnet devnet;
            try
            {
                devnet = await Devnet.StartAsync(options, loggerFactory).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or HttpListenerException or UnauthorizedAccessException)
            {
                return CommandLineRunner.Fail($"devnet: {e.Message}", 1);
            }
            await using (devnet.ConfigureAwait(false))
            {
                DashboardServer server;
                try
                {
                    server = await DashboardServer.StartAsync(new DashboardOptions { Listen = listen, Network = devnet }).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    return CommandLineRunner.Fail($"--dashboard: cannot serve on {listen}: {e.Message}", 1);
                }
                await using (server.ConfigureAwait(false))
                {
                    Console.WriteLine($"devnet: RPC e.g. `nodus rpc --datadir {Path.Combine(dir, "node-1")} getpeerinfo`");
                    Console.WriteLine($"dashboard: {server.Address}");
                    await DashboardCommand.WaitForShutdownAsync(cancel).ConfigureAwait(false);
                    Console.WriteLine("devnet: stopping");
                }
            }
            return 0;
        });
        return command;
    }
}
