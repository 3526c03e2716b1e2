using Nodus.Net.Tests.Storage;

namespace Nodus.Net.Tests;

/// <summary>
/// The test assembly's entry point (instead of the one Microsoft.NET.Test.Sdk generates, which does nothing):
/// `dotnet Nodus.Net.Tests.dll ROLE ARGS…` runs a role in a child process that a test can kill at any instant.
/// </summary>
public static class ChildProcessEntry
{
    public static int Main(string[] args) => args.FirstOrDefault() switch
    {
        ChainWriterChild.Role => ChainWriterChild.Run(args[1..]),
        AddressBookWriterChild.Role => AddressBookWriterChild.Run(args[1..]),
        _ => 0,
    };

    /// <summary>The command line that runs <paramref name="role"/> of this assembly in a child process.</summary>
    public static System.Diagnostics.ProcessStartInfo StartInfo(string role, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ChildProcessEntry).Assembly.Location);
        info.ArgumentList.Add(role);
        foreach (var a in args) info.ArgumentList.Add(a);
        return info;
    }
}
