using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Nodus.Net.Runtime;

namespace Nodus.Cli;

/// <summary>
/// `nodus node`'s console lines: the simple single-line layout (UTC timestamp, level, category, message), each
/// line first erasing the sync progress line when it is on screen (<see cref="TerminalStatusLine"/>), so that the
/// two never run together on a terminal.
/// </summary>
internal sealed class NodeLogFormatter(TerminalStatusLine status) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "nodus";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null) return;
        textWriter.Write(status.ErasePrefix());
        textWriter.Write(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z' ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write(' ');
        // One line per entry, as SimpleConsole's SingleLine: embedded newlines would break log parsing.
        textWriter.Write(message.ReplaceLineEndings(" "));
        if (logEntry.Exception is { } e) { textWriter.Write(' '); textWriter.Write(e.ToString().ReplaceLineEndings(" ")); }
        textWriter.Write(Environment.NewLine);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
