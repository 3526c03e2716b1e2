using System.Globalization;
using System.Net;
using System.Text;

namespace Nodus.Sim.Report;

/// <summary>Small inline-SVG charts (line and bar) so report.html needs no script or external file.</summary>
public static class Svg
{
    private const int Width = 640, Height = 320, Left = 60, Right = 20, Top = 20, Bottom = 45;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points);

    public static string LineChart(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, double? yMax = null)
    {
        var all = series.SelectMany(s => s.Points).ToArray();
        double x0 = 0, x1 = all.Length == 0 ? 1 : Math.Max(all.Max(p => p.X), 1e-9);
        double y0 = 0, y1 = yMax ?? (all.Length == 0 ? 1 : Math.Max(all.Max(p => p.Y), 1e-9));
        var sb = Begin(title);
        Axes(sb, x0, x1, y0, y1, xLabel, yLabel);
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            if (s.Points.Count == 0) continue;
            sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Palette[i % Palette.Length]}\" stroke-width=\"2\" points=\"");
            foreach (var (x, y) in s.Points)
                sb.Append(CultureInfo.InvariantCulture, $"{X(x, x0, x1):F1},{Y(y, y0, y1):F1} ");
            sb.Append("\"/>");
        }
        Legend(sb, series.Select(s => s.Name).ToArray());
        return End(sb);
    }

    public static string BarChart(string title, string xLabel, string yLabel, double start, double width, IReadOnlyList<int> counts)
    {
        double x0 = start, x1 = start + width * Math.Max(counts.Count, 1), y1 = Math.Max(counts.DefaultIfEmpty(0).Max(), 1);
        var sb = Begin(title);
        Axes(sb, x0, x1, 0, y1, xLabel, yLabel);
        for (int i = 0; i < counts.Count; i++)
        {
            double xa = X(start + i * width, x0, x1), xb = X(start + (i + 1) * width, x0, x1), y = Y(counts[i], 0, y1);
            sb.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{xa:F1}\" y=\"{y:F1}\" width=\"{Math.Max(xb - xa - 1, 0.5):F1}\" height=\"{Height - Bottom - y:F1}\" fill=\"{Palette[0]}\"/>");
        }
        return End(sb);
    }

    private static StringBuilder Begin(string title)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<figure><figcaption>{WebUtility.HtmlEncode(title)}</figcaption>");
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"11\">");
        return sb;
    }

    private static string End(StringBuilder sb) => sb.Append("</svg></figure>").ToString();

    private static double X(double x, double x0, double x1) => Left + (x - x0) / (x1 - x0) * (Width - Left - Right);
    private static double Y(double y, double y0, double y1) => Height - Bottom - (y - y0) / (y1 - y0) * (Height - Top - Bottom);

    private static void Axes(StringBuilder sb, double x0, double x1, double y0, double y1, string xLabel, string yLabel)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Height - Bottom}\" x2=\"{Width - Right}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(xv, x0, x1):F1}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{Format(xv)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Y(yv, y0, y1) + 4:F1}\" text-anchor=\"end\">{Format(yv)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Y(yv, y0, y1):F1}\" x2=\"{Width - Right}\" y2=\"{Y(yv, y0, y1):F1}\" stroke=\"#eee\"/>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        sb.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14,{(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
    }

    private static void Legend(StringBuilder sb, string[] names)
    {
        if (names.Length < 2) return;
        for (int i = 0; i < names.Length; i++)
        {
            int y = Top + 6 + i * 14;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Width - Right - 150}\" y=\"{y - 8}\" width=\"10\" height=\"10\" fill=\"{Palette[i % Palette.Length]}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - Right - 136}\" y=\"{y + 1}\">{WebUtility.HtmlEncode(names[i])}</text>");
        }
    }

    private static string Format(double v) => Math.Abs(v) >= 1e6 ? v.ToString("0.##e0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
}
