using Nodus.Sim.Network;
using Nodus.Sim.Topology;
using Xunit;

namespace Nodus.Sim.Tests;

public class TopologyTests
{
    private static void AssertSimple(Topology.Topology t)
    {
        var pairs = new HashSet<(int, int)>();
        for (int i = 0; i < t.EdgeCount; i++)
        {
            int a = t.From[i], b = t.To[i];
            Assert.NotEqual(a, b);
            Assert.True(pairs.Add((Math.Min(a, b), Math.Max(a, b))), $"duplicate edge {a}-{b}");
        }
    }

    [Theory]
    [InlineData(1000, 8)]
    [InlineData(101, 4)]
    [InlineData(30, 10)]
    public void RandomRegular_Generate_EveryNodeHasExactlyDegree(int nodes, int degree)
    {
        var t = RandomRegular.Generate(nodes, degree, new Random(3));
        Assert.All(t.Degrees(), d => Assert.Equal(degree, d));
        Assert.Equal(nodes * degree / 2, t.EdgeCount);
        AssertSimple(t);
    }

    [Fact]
    public void RandomRegular_OddProduct_Throws() =>
        Assert.Throws<ArgumentException>(() => RandomRegular.Generate(11, 3, new Random(1)));

    [Fact]
    public void BitcoinLike_Generate_OutboundFollowsCdfAndInboundIsCapped()
    {
        var cdf = RegionData.Load().OutboundDegreeCdf;
        var t = BitcoinLike.Generate(5000, cdf, new Random(5), maxInbound: 40);
        AssertSimple(t);
        Assert.All(t.InDegrees(), d => Assert.InRange(d, 0, 40));
        var outs = t.OutDegrees();
        Assert.All(outs, d => Assert.InRange(d, 1, cdf.Length));
        // The CDF's median is 8 links: about half the nodes have at most 8.
        double atMost8 = outs.Count(d => d <= 8) / (double)outs.Length;
        Assert.InRange(atMost8, 0.45, 0.55);
    }

    [Fact]
    public void EdgeListFile_EmbeddedBitcoin2015_HasThePublishedSize()
    {
        var t = EdgeListFile.Load(EdgeListFile.Bitcoin2015);
        Assert.Equal(4654, t.Nodes);
        Assert.InRange(t.EdgeCount, 9000, 18664); // pairs listed in both directions collapse to one connection
        AssertSimple(t);
    }

    [Fact]
    public void EdgeListFile_Parse_SkipsCommentsLoopsAndDuplicates()
    {
        var t = EdgeListFile.Parse("test", new StringReader("# c\n0 1\n1 0\n2 2\n\n1 2\n"));
        Assert.Equal(3, t.Nodes);
        Assert.Equal(2, t.EdgeCount);
    }

    [Fact]
    public void EdgeListFile_Parse_GarbageLine_ThrowsWithLineNumber()
    {
        var e = Assert.Throws<InvalidDataException>(() => EdgeListFile.Parse("g", new StringReader("0 1\nx y\n")));
        Assert.Contains("g:2", e.Message);
    }
}
