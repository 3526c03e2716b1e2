using Xunit;
using static Nodus.Net.Tests.CliTests;

namespace Nodus.Net.Tests;

/// <summary>
/// The chain survives the process: a node restarted keeps its chain, and a node killed with SIGKILL at arbitrary
/// moments during sync restarts from an intact SQLite store and ends on its peer's tip.
/// </summary>
public sealed class CrashRecoveryTests
{
    private static async Task<int> BlockCountAsync(string dataDir)
    {
        var result = await RunNodusAsync("rpc", "--datadir", dataDir, "getblockcount");
        return result.ExitCode == 0 && int.TryParse(result.Stdout.Trim(), out int n) ? n : -1;
    }

    private static async Task<string> BestHashAsync(string dataDir) =>
        (await RunNodusAsync("rpc", "--datadir", dataDir, "getbestblockhash")).Stdout.Trim();

    [Fact(Timeout = 240_000)]
    public async Task SigKillDuringSync_RestartsWithIntactChain_AndCatchesUp()
    {
        string minerDir = TestNet.TempDir(), syncDir = TestNet.TempDir();
        int minerPort = TestNet.FreePort(), minerRpc = TestNet.FreePort(), syncRpc = TestNet.FreePort();
        using var miner = StartNodus("node", "--network", "regtest", "--datadir", minerDir, "--listen", $"127.0.0.1:{minerPort}",
            "--rpc", $"127.0.0.1:{minerRpc}");
        await TestNet.WaitUntilAsync(async () => await BlockCountAsync(minerDir) == 0, "the miner answers RPC");
        var generated = await RunNodusAsync("rpc", "--datadir", minerDir, "generate", "3000");
        Assert.Equal(0, generated.ExitCode);

        string[] syncArgs = ["node", "--network", "regtest", "--datadir", syncDir, "--listen", "127.0.0.1:0",
            "--rpc", $"127.0.0.1:{syncRpc}", "--connect", $"127.0.0.1:{minerPort}"];
        var heights = new List<int>();
        // Kill at fixed moments into each run: a sync of 3,000 blocks takes a few seconds here, so these land mid-sync.
        foreach (int delayMs in (int[])[1_200, 1_700, 2_200, 2_700])
        {
            using var syncing = StartNodus(syncArgs);
            await Task.Delay(delayMs);
            syncing.Process.Kill(); // SIGKILL: no shutdown code runs
            await syncing.Process.WaitForExitAsync();
            heights.Add(await StoredHeightAfterRestartAsync());
        }

        using var final = StartNodus(syncArgs);
        await TestNet.WaitUntilAsync(async () => await BlockCountAsync(syncDir) == 3000, "the node catches up after the kills",
            TimeSpan.FromSeconds(90));
        Assert.Equal(await BestHashAsync(minerDir), await BestHashAsync(syncDir));
        Assert.True(heights.Zip(heights.Skip(1)).All(p => p.Second >= p.First), $"heights after restarts never go back: {string.Join(",", heights)}");
        await RunNodusAsync("rpc", "--datadir", syncDir, "stop");
        await RunNodusAsync("rpc", "--datadir", minerDir, "stop");

        // Reopens the store without peers to read what survived the kill.
        async Task<int> StoredHeightAfterRestartAsync()
        {
            using var reopened = StartNodus("node", "--network", "regtest", "--datadir", syncDir, "--listen", "127.0.0.1:0",
                "--rpc", $"127.0.0.1:{syncRpc}", "--connect", "127.0.0.1:1");
            int height = -1;
            await TestNet.WaitUntilAsync(async () => (height = await BlockCountAsync(syncDir)) >= 0, "the restarted node answers");
            await RunNodusAsync("rpc", "--datadir", syncDir, "stop");
            await reopened.Process.WaitForExitAsync();
            return height;
        }
    }
}
