namespace Nodus.Net.Runtime;

/// <summary>
/// One status line at the bottom of a terminal (the sync progress), redrawn in place with \r. Log lines written to
/// the same terminal must first erase it, or they would be appended to it: the console log formatter asks
/// <see cref="ErasePrefix"/> for the bytes to put in front of each log line, and the status line is drawn again on
/// its next redraw.
/// </summary>
public sealed class TerminalStatusLine(TextWriter terminal)
{
    /// <summary>Carriage return, then ANSI "erase to end of line".</summary>
    public const string Erase = "\r\u001b[K";

    private volatile bool _visible;

    public bool IsVisible => _visible;

    public async Task ShowAsync(string line, CancellationToken cancel = default)
    {
        // Erase after the text too: a shorter line leaves no tail of the previous one.
        await terminal.WriteAsync("\r" + line + "\u001b[K").ConfigureAwait(false);
        await terminal.FlushAsync(cancel).ConfigureAwait(false);
        _visible = true;
    }

    public async Task ClearAsync()
    {
        if (!_visible) return;
        _visible = false;
        await terminal.WriteAsync(Erase).ConfigureAwait(false);
        await terminal.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>What a log line must start with: the erase sequence while the status line is on screen.</summary>
    public string ErasePrefix()
    {
        if (!_visible) return "";
        _visible = false;
        return Erase;
    }
}
