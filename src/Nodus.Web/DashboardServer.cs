using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Nodus.Core.Relay;
using Nodus.Sim.Trace;
using Nodus.Web.Live;

namespace Nodus.Web;

/// <summary>What the dashboard serves: a live network (devnet) or a recorded trace to replay.</summary>
public sealed record DashboardOptions
{
    public required IPEndPoint Listen { get; init; }

    /// <summary>The live network; null in replay mode.</summary>
    public INetworkView? Network { get; init; }

    /// <summary>A simulation's output directory (with events.jsonl) or the file itself; null in live mode.</summary>
    public string? ReplayPath { get; init; }

    /// <summary>The built front end; default: wwwroot next to this assembly.</summary>
    public string? WebRoot { get; init; }
}

/// <summary>
/// The dashboard's HTTP side: the page, <c>/api/events</c> (server-sent events: a snapshot, then the live stream),
/// <c>/api/replay</c> (a trace file), <c>/api/stats</c>, and the controls under <c>/api/…</c> (docs/dashboard.md).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>How often a page gets a comment line on an idle stream, so proxies and browsers keep it open.</summary>
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;

    private DashboardServer(WebApplication app) => _app = app;

    /// <summary>The address the dashboard listens on, e.g. http://127.0.0.1:5080/.</summary>
    public Uri Address { get; private set; } = null!;

    public static async Task<DashboardServer> StartAsync(DashboardOptions options, ILoggerFactory? loggerFactory = null)
    {
        string webRoot = options.WebRoot ?? Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!File.Exists(Path.Combine(webRoot, "index.html")))
            throw new FileNotFoundException($"the dashboard's page is missing from {webRoot} (build src/Nodus.Web with node and npm installed)");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { WebRootPath = webRoot, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (loggerFactory is not null) builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.UseKestrel(k => k.Listen(options.Listen));
        var app = builder.Build();
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = new PhysicalFileProvider(webRoot) });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(webRoot) });
        Map(app, options);
        await app.StartAsync().ConfigureAwait(false);
        var server = new DashboardServer(app);
        var bound = options.Listen;
        server.Address = new Uri($"http://{(bound.Address.Equals(IPAddress.Any) ? "127.0.0.1" : bound.Address)}:{ActualPort(app, bound.Port)}/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static int ActualPort(WebApplication app, int asked)
    {
        if (asked != 0) return asked;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault();
        return address is null ? asked : new Uri(address).Port;
    }

    private static void Map(WebApplication app, DashboardOptions options)
    {
        var network = options.Network;
        app.MapGet("/api/info", () => Results.Json(new { mode = network is null ? "replay" : "live" }));

        if (options.ReplayPath is { } replay)
        {
            string file = Directory.Exists(replay) ? Path.Combine(replay, "events.jsonl") : replay;
            app.MapGet("/api/replay", () => File.Exists(file)
                ? Results.File(file, "application/x-ndjson")
                : Results.NotFound($"no trace at {file} (run `nodus sim … --out DIR`)"));
        }
        if (network is null) return;

        app.MapGet("/api/events", (HttpContext context) => StreamAsync(context, network.Events));
        app.MapGet("/api/stats", async () => Results.Json(await network.GetStatsAsync().ConfigureAwait(false), TraceJson.Options));
        app.MapPost("/api/nodes", () => Control(network.AddNodeAsync()));
        app.MapDelete("/api/nodes/random", () => Control(network.RemoveNodeAsync(null)));
        app.MapDelete("/api/nodes/{id}", (string id) => Control(network.RemoveNodeAsync(id)));
        app.MapPost("/api/nodes/{id}/tx", (string id) => Control(network.SendTransactionAsync(id)));
        app.MapPost("/api/nodes/{id}/mine", (string id) => Control(network.MineBlockAsync(id)));
        app.MapPost("/api/nodes/{id}/relay/{policy}", (string id, string policy) =>
            RelayPolicyKinds.TryParse(policy, out var kind, out var error)
                ? Control(network.SetRelayPolicyAsync(id, kind))
                : Task.FromResult(Results.BadRequest(new { ok = false, message = error })));
        app.MapPost("/api/cut", () => Control(network.CutAsync()));
        app.MapPost("/api/heal", () => Control(network.HealAsync()));
    }

    private static async Task<IResult> Control(Task<ControlResult> action)
    {
        var result = await action.ConfigureAwait(false);
        var body = new { ok = result.Ok, message = result.Message, node = result.Node };
        return result.Ok ? Results.Json(body) : Results.Json(body, statusCode: StatusCodes.Status409Conflict);
    }

    /// <summary>Server-sent events: the snapshot, then each event as it happens, one JSON object per <c>data:</c> line.</summary>
    private static async Task StreamAsync(HttpContext context, EventHub hub)
    {
        var subscription = hub.Subscribe();
        if (subscription is not { } s)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }
        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var cancel = context.RequestAborted;
        try
        {
            var buffer = new StringBuilder();
            foreach (var e in s.Snapshot) Append(buffer, e);
            await response.WriteAsync(buffer.ToString(), cancel).ConfigureAwait(false);
            await response.Body.FlushAsync(cancel).ConfigureAwait(false);
            while (true)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                keepAlive.CancelAfter(KeepAliveInterval);
                bool more;
                try { more = await s.Events.WaitToReadAsync(keepAlive.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancel).ConfigureAwait(false);
                    await response.Body.FlushAsync(cancel).ConfigureAwait(false);
                    continue;
                }
                if (!more) return; // dropped as too slow, or shutting down: the page reconnects
                buffer.Clear();
                while (s.Events.TryRead(out var e)) Append(buffer, e);
                await response.WriteAsync(buffer.ToString(), cancel).ConfigureAwait(false);
                await response.Body.FlushAsync(cancel).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        finally
        {
            s.Unsubscribe();
        }
    }

    private static void Append(StringBuilder buffer, TraceEvent e) =>
        buffer.Append("data: ").Append(TraceJson.Serialize(e)).Append("\n\n");
}
