using System.CommandLine;
using Nodus.Cli;
using Nodus.Cli.Commands;

// `nodus sim` runs in a child with a larger GC budget (SimGcBudget); null: it could not start one, so run here.
if (SimGcBudget.Applies(args) && SimGcBudget.Relaunch(args) is { } simExitCode) return simExitCode;

// One line per command; each command lives in its own file under Commands/.
var root = new RootCommand("Nodus: a peer-to-peer network stack for blockchains (Bitcoin-compatible wire protocol).");
root.Subcommands.Add(NodeCommand.Create());
root.Subcommands.Add(RpcCommand.Create());
root.Subcommands.Add(SimCommand.Create());
root.Subcommands.Add(DashboardCommand.Create());
root.Subcommands.Add(DevnetCommand.Create());

return await CommandLineRunner.RunAsync(root, args);
