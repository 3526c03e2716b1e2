using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Nodus.Web.Live;

namespace Nodus.Web.Tests;

/// <summary>One devnet of <see cref="Nodes"/> real nodes with its dashboard and a browser, shared by a test class.</summary>
public sealed class DevnetFixture : IAsyncLifetime
{
    public const int Nodes = 6;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "nodus-web-devnet-" + Guid.NewGuid().ToString("N"));

    public Devnet Devnet { get; private set; } = null!;
    public DashboardServer Server { get; private set; } = null!;
    public Browser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Devnet = await Devnet.StartAsync(new DevnetOptions
        {
            Nodes = Nodes,
            DataDir = _dataDir,
            Port = FreePort(),
            RpcPort = FreePort(),
            TransactionRate = 0,   // the tests send their own
            BlockInterval = 0,     // and mine their own, so tips are predictable
            Seed = 7,
        }, NullLoggerFactory.Instance);
        Server = await DashboardServer.StartAsync(new DashboardOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Network = Devnet });
        Browser = new Browser();
        Browser.Driver.Navigate().GoToUrl(Server.Address);
    }

    public async Task DisposeAsync()
    {
        Browser?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        if (Devnet is not null) await Devnet.DisposeAsync();
        try { Directory.Delete(_dataDir, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>A port free on 127.0.0.1 (and, in practice, on the other 127.0.0.x the devnet uses).</summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
