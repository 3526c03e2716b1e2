using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Nodus.Net.Runtime;

namespace Nodus.Cli.Commands;

/// <summary>Option builders shared by the commands, each validating its value into one clear error line.</summary>
internal static class CliOptions
{
    public static IReadOnlyList<string> NetworkNames => Core.Chain.NetworkParams.Names;

    public static Option<string> Network() => new("--network")
    {
        Description = $"Network: {string.Join(", ", NetworkNames)} (main by default, as bitcoind)",
        HelpName = "NAME",
        DefaultValueFactory = _ => "main",
        CustomParser = r =>
        {
            string value = r.Tokens[0].Value;
            if (NetworkNames.Contains(value, StringComparer.Ordinal)) return value;
            r.AddError($"--network: '{value}' is not a network; use one of {string.Join(", ", NetworkNames)}");
            return "main";
        },
    };

    public static Option<string?> DataDir(string description) => new("--datadir") { Description = description, HelpName = "DIR" };

    /// <summary>An IP:PORT option; with <paramref name="portOptional"/>, a bare IP is allowed and gets the network's port later.</summary>
    public static Option<IPEndPoint?> EndPoint(string name, string description, bool portOptional = false) => new(name)
    {
        Description = description,
        HelpName = portOptional ? "IP[:PORT]" : "IP:PORT",
        CustomParser = r =>
        {
            string value = r.Tokens[0].Value;
            if (Net.Runtime.EndPoints.TryParse(value, portOptional ? 0 : null, out var endPoint)) return endPoint;
            r.AddError($"{name}: '{value}' is not {(portOptional ? "IP[:PORT]" : "IP:PORT")}");
            return null;
        },
    };

    /// <summary>A repeatable IP[:PORT] option (port 0 stands for "the network's default port").</summary>
    public static Option<IPEndPoint[]> EndPoints(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "IP[:PORT]",
        Arity = ArgumentArity.ZeroOrMore,
        DefaultValueFactory = _ => [],
        CustomParser = r =>
        {
            var result = new List<IPEndPoint>();
            foreach (var token in r.Tokens)
            {
                if (Net.Runtime.EndPoints.TryParse(token.Value, 0, out var endPoint)) result.Add(endPoint);
                else r.AddError($"{name}: '{token.Value}' is not IP[:PORT]");
            }
            return [.. result];
        },
    };

    public static Option<LogLevel> LogLevelOption() => new("--log-level")
    {
        Description = "Log detail: trace, debug, info, warning or error (default: info)",
        HelpName = "LEVEL",
        DefaultValueFactory = _ => LogLevel.Information,
        CustomParser = r =>
        {
            string value = r.Tokens[0].Value;
            LogLevel? level = value.ToLowerInvariant() switch
            {
                "trace" => LogLevel.Trace,
                "debug" => LogLevel.Debug,
                "info" or "information" => LogLevel.Information,
                "warning" or "warn" => LogLevel.Warning,
                "error" => LogLevel.Error,
                _ => null,
            };
            if (level is { } l) return l;
            r.AddError($"--log-level: '{value}' is not one of trace, debug, info, warning, error");
            return LogLevel.Information;
        },
    };

    /// <summary>~/.nodus/NETWORK, as bitcoind's ~/.bitcoin with a subdirectory per network.</summary>
    public static string DefaultDataDir(string network) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nodus", network);

    public static IPEndPoint WithDefaultPort(IPEndPoint endPoint, int port) =>
        endPoint.Port == 0 ? new IPEndPoint(endPoint.Address, port) : endPoint;
}
