using System.CommandLine;
using System.CommandLine.Help;

namespace Nodus.Cli;

/// <summary>
/// Parses and runs a command. A parse error prints exactly one line, <c>nodus: …</c>, on stderr and exits with
/// <see cref="UsageError"/>, instead of System.CommandLine's default of every error plus the whole help text.
/// </summary>
public static class CommandLineRunner
{
    /// <summary>Exit code for a wrong option or value (the BSD sysexits / shell convention for usage errors).</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var result = root.Parse(args);
        if (result.Errors.Count > 0 && result.Action is not HelpAction)
        {
            string message = result.Errors[0].Message.ReplaceLineEndings(" ").Trim();
            return Fail(message);
        }
        // Commands handle SIGINT/SIGTERM themselves (a node shuts down cleanly), so System.CommandLine must not.
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    /// <summary>Prints one <c>nodus: …</c> line on stderr and returns <see cref="UsageError"/>.</summary>
    public static int Fail(string message, int exitCode = UsageError)
    {
        Console.Error.WriteLine($"nodus: {message}");
        return exitCode;
    }
}
