namespace Nodus.Wire.Framing;

/// <summary>Returns shared string instances for the commands we know, so framing allocates no string for them.</summary>
internal static class CommandNames
{
    private static readonly string[] Known = Messages.MessageCodec.KnownCommands.ToArray();

    public static string Intern(ReadOnlySpan<byte> ascii)
    {
        foreach (var known in Known)
        {
            if (known.Length != ascii.Length) continue;
            bool same = true;
            for (int i = 0; i < ascii.Length && same; i++) same = known[i] == ascii[i];
            if (same) return known;
        }
        return System.Text.Encoding.ASCII.GetString(ascii);
    }
}
