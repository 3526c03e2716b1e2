using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Nodus.Web;

namespace Nodus.Cli.Commands;

/// <summary><c>nodus dashboard --replay DIR</c>: serves the dashboard over a simulation's events.jsonl until Ctrl+C.</summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var replay = new Option<string>("--replay") { Description = "a simulation's output directory (nodus sim --out DIR) or its events.jsonl", Required = true };
        var listen = new Option<string>("--listen") { Description = "serve the page on IP:PORT", DefaultValueFactory = _ => "127.0.0.1:5080" };
        var command = new Command("dashboard", "replay a simulation's events in the dashboard (speed control, seek)") { replay, listen };
        command.SetAction(async (result, cancel) =>
        {
            string path = Path.GetFullPath(result.GetValue(replay)!);
            string file = Directory.Exists(path) ? Path.Combine(path, "events.jsonl") : path;
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"nodus: --replay: no {file} (write one with `nodus sim --preset NAME --out DIR`)");
                return 2;
            }
            if (!IPEndPoint.TryParse(result.GetValue(listen)!, out var at) || at.Port == 0 && !result.GetValue(listen)!.EndsWith(":0", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"nodus: --listen: '{result.GetValue(listen)}' is not IP:PORT");
                return 2;
            }
            await using var server = await DashboardServer.StartAsync(new DashboardOptions { Listen = at, ReplayPath = file }).ConfigureAwait(false);
            Console.WriteLine($"dashboard: {server.Address} (replaying {file}; Ctrl+C to stop)");
            await WaitForShutdownAsync(cancel).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>Waits for Ctrl+C or SIGTERM (handled here, so the caller can stop cleanly).</summary>
    internal static async Task WaitForShutdownAsync(CancellationToken cancel)
    {
        var stop = new TaskCompletionSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var registration = cancel.Register(() => stop.TrySetResult());
        await stop.Task.ConfigureAwait(false);
    }
}
