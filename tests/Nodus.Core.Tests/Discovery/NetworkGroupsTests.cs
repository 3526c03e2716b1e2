using System.Net;
using Nodus.Core.Discovery;
using Xunit;

namespace Nodus.Core.Tests.Discovery;

public sealed class NetworkGroupsTests
{
    private static AddressKey A(string ip) => AddressKey.From(IPAddress.Parse(ip), 8333);

    [Fact]
    public void GroupOf_IPv4_IsSlash16()
    {
        var g = NetworkGroups.Internet;
        Assert.Equal(g.GroupOf(A("8.8.1.1")), g.GroupOf(A("8.8.200.7")));
        Assert.NotEqual(g.GroupOf(A("8.8.1.1")), g.GroupOf(A("8.9.1.1")));
    }

    [Fact]
    public void GroupOf_IPv6_IsSlash32_AndEmbeddedIPv4ByItsSlash16()
    {
        var g = NetworkGroups.Internet;
        Assert.Equal(g.GroupOf(A("2a01:4f8:1::1")), g.GroupOf(A("2a01:4f8:ffff::2")));
        Assert.NotEqual(g.GroupOf(A("2a01:4f8::1")), g.GroupOf(A("2a01:4f9::1")));
        Assert.Equal(g.GroupOf(A("2002:0808:0101::1")), g.GroupOf(A("8.8.3.4")));   // 6to4 of 8.8.1.1
        Assert.Equal(g.GroupOf(A("2001:0:0:0:0:0:f7f7:fefe")), g.GroupOf(A("8.8.1.1"))); // Teredo, inverted
        Assert.NotEqual(g.GroupOf(A("2001:470:1000::1")), g.GroupOf(A("2001:470:2000::1"))); // HE /36
    }

    [Fact]
    public void IsRoutable_InternetRules_RejectPrivateAndLoopback()
    {
        var g = NetworkGroups.Internet;
        Assert.True(g.IsRoutable(A("8.8.8.8")));
        foreach (var ip in new[] { "127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.5.4", "169.254.1.1", "100.64.0.1", "0.0.0.0",
                     "255.255.255.255", "224.0.0.1", "192.0.2.1", "::1", "::", "fe80::1", "fd00::1", "2001:db8::1" })
            Assert.False(g.IsRoutable(A(ip)), ip);
    }

    [Fact]
    public void LocalMode_LoopbackRoutable_EachIPv4ItsOwnGroup()
    {
        var g = NetworkGroups.Local;
        Assert.True(g.IsRoutable(A("127.0.0.1")));
        Assert.True(g.IsRoutable(A("10.0.0.1")));
        Assert.False(g.IsRoutable(A("0.0.0.0")));
        Assert.NotEqual(g.GroupOf(A("127.0.0.1")), g.GroupOf(A("127.0.0.2")));
        Assert.Equal(NetworkGroups.Internet.GroupOf(A("127.0.0.1")), NetworkGroups.Internet.GroupOf(A("127.0.0.2")));
    }

    [Fact]
    public void SubNet_ParseAndContains_MatchCoreForms()
    {
        var s = SubNet.Parse("1.2.3.0/24")!.Value;
        Assert.True(s.Contains(IPAddress.Parse("1.2.3.99")));
        Assert.False(s.Contains(IPAddress.Parse("1.2.4.1")));
        Assert.Equal("1.2.3.0/24", s.ToString());
        Assert.Equal(s, SubNet.Parse("1.2.3.7/255.255.255.0"));
        Assert.Equal("1.2.3.4/32", SubNet.Parse("1.2.3.4")!.Value.ToString());
        Assert.Equal("2001:db8::/32", SubNet.Parse("2001:db8::1/32")!.Value.ToString());
        Assert.Null(SubNet.Parse("1.2.3.4/33"));
        Assert.Null(SubNet.Parse("1.2.3.4/255.0.255.0"));
        Assert.Null(SubNet.Parse("nonsense"));
    }
}
