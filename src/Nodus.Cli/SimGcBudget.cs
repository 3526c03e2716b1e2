using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Nodus.Cli;

/// <summary>
/// <c>nodus sim</c> runs with a larger gen-0 budget for the garbage collector. A simulation allocates messages,
/// events and per-block relay state that die within moments, next to the network it builds, which lives to the
/// end; with the workstation GC's default budget (≈ 12 MB here) every collection during the start promotes
/// everything and the collector took a third of the CPU. With <see cref="Gen0Budget"/> the `bitcoin` preset
/// (10,000 nodes, 10 blocks) takes 17.7 s of CPU instead of 26.4 s for 30 MB more peak memory (docs/simulator.md,
/// "GC budget"). The budget is read from the environment when the runtime starts and has no runtimeconfig name,
/// so <c>sim</c> starts itself once more with <see cref="Variable"/> set, unless the caller set it (which also
/// chooses another budget, or the default with 0). The child also tiers up without delay (<see cref="CallCountingDelayVariable"/>).
/// </summary>
internal static class SimGcBudget
{
    public const string Variable = "DOTNET_GCgen0size";

    /// <summary>128 MiB: 64 MiB gave 21.7 s, 128 and 256 MiB both 17.7 s (same run as above).</summary>
    public const long Gen0Budget = 128L << 20;

    /// <summary>
    /// The child also starts tiering up at once (<c>DOTNET_TC_CallCountingDelayMs=0</c>). By default the runtime waits
    /// until no new method has been compiled for 100 ms before it counts calls towards optimised code, so that an
    /// app's start-up is not slowed by optimising; a simulation's start keeps meeting new code paths (every handshake
    /// step, the first block, the first compact block) and so ran its hottest loops unoptimised for seconds. At
    /// 10,000 nodes, 10 blocks, three interleaved rounds: 12.6 s of CPU (median) against 14.3 s, every round faster
    /// (docs/simulator.md, "Session 6"). A caller's own setting is kept.
    /// </summary>
    public const string CallCountingDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>
    /// Networks up to this size are simulated without background GC (<see cref="GCLatencyMode.Batch"/>): a simulation
    /// is a batch job that needs no short pauses, and the background collector's thread cost 0.5 s of CPU at 10,000
    /// nodes with whole blocks and 1.2 s with compact blocks on top of the same pauses on the main thread
    /// (docs/simulator.md, "Session 5: GC cost"). Larger ones keep it: without it the million-node `scale` run
    /// peaked at 20.1 GB instead of 17.6 GB, too close to this machine's 24 GB.
    /// </summary>
    public const int BatchGcMaxNodes = 200_000;

    /// <summary>Chooses the collector's mode for a simulation of <paramref name="nodes"/> nodes, for the rest of this
    /// process (<c>nodus sim</c> runs one simulation and exits); returns a line saying which.</summary>
    public static string ChooseLatencyMode(int nodes)
    {
        if (nodes <= BatchGcMaxNodes) GCSettings.LatencyMode = GCLatencyMode.Batch;
        return (GCSettings.LatencyMode == GCLatencyMode.Batch ? "no background GC" : "background GC") +
            $" ({nodes:N0} nodes; at most {BatchGcMaxNodes:N0} run without)";
    }

    /// <summary>Whether this process should hand the command to a child with the budget set.</summary>
    public static bool Applies(string[] args) =>
        args.Length > 0 && args[0] == "sim" &&
        Environment.GetEnvironmentVariable(Variable) is null &&
        Environment.GetEnvironmentVariable("COMPlus_GCgen0size") is null &&
        Environment.ProcessPath is not null && !OperatingSystem.IsWindows() &&
        // A process started by a diagnostics tool (dotnet-trace, a debugger) is the one being watched, and a child
        // would inherit the tool's suspended diagnostic port and wait for it forever: run here instead.
        Environment.GetEnvironmentVariable("DOTNET_DiagnosticPorts") is null;

    /// <summary>Runs the same command line in a child with the budget set, sharing this terminal; returns its exit
    /// code, or null when the child could not be started (the caller then runs the command itself).</summary>
    public static int? Relaunch(string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        // Under `dotnet nodus.dll` the process is the dotnet host and the application is an argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(SimGcBudget).Assembly.Location);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment[Variable] = "0x" + Gen0Budget.ToString("X");
        if (Environment.GetEnvironmentVariable(CallCountingDelayVariable) is null) start.Environment[CallCountingDelayVariable] = "0";

        Process child;
        try
        {
            child = Process.Start(start)!;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
        // A terminal's Ctrl-C reaches both processes; the child decides. A signal sent to this process alone is
        // passed on, so stopping `nodus sim` by its process id stops the simulation.
        using var signals = new DisposableList(
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, child)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, child)),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => Forward(c, child)));
        child.WaitForExit();
        return child.ExitCode;
    }

    private static void Forward(PosixSignalContext context, Process child)
    {
        context.Cancel = true;
        if (!child.HasExited) _ = Kill(child.Id, (int)RawSignal(context.Signal));
    }

    // .NET's PosixSignal values are negative stand-ins; kill(2) wants the platform's numbers (Linux and macOS agree).
    private static int RawSignal(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        _ => 15,
    };

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private sealed class DisposableList(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }
}
