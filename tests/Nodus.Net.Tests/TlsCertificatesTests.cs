using System.Security.Cryptography;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

public sealed class TlsCertificatesTests
{
    [Fact]
    public void CreateEphemeral_EachCall_NewKeyAndFingerprint()
    {
        using var first = TlsCertificates.CreateEphemeral();
        using var second = TlsCertificates.CreateEphemeral();
        Assert.True(first.HasPrivateKey);
        Assert.Equal("CN=nodus", first.Subject);
        Assert.NotEqual(TlsCertificates.Fingerprint(first), TlsCertificates.Fingerprint(second));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.RawData)), TlsCertificates.Fingerprint(first));
    }

    [Fact]
    public void LoadOrCreate_SecondStart_SameFingerprint_OwnerOnlyFile()
    {
        string path = Path.Combine(TestNet.TempDir(), TlsCertificates.FileName);
        using var created = TlsCertificates.LoadOrCreate(path);
        using var loaded = TlsCertificates.LoadOrCreate(path);
        Assert.Equal(TlsCertificates.Fingerprint(created), TlsCertificates.Fingerprint(loaded));
        Assert.True(loaded.HasPrivateKey);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89", true)]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", true)]
    [InlineData("abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678", false)] // 63 digits
    [InlineData("zzcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", false)]
    [InlineData("", false)]
    public void TryParseFingerprint_Input_AcceptsOnly64HexDigits(string text, bool valid)
    {
        Assert.Equal(valid, TlsCertificates.TryParseFingerprint(text, out string? fingerprint));
        if (valid) Assert.Equal("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789", fingerprint);
    }

    [Fact]
    public void Validate_AllowlistWithoutRequire_Throws()
    {
        var options = new TlsOptions
        {
            Mode = TlsMode.On,
            Certificate = TlsCertificates.CreateEphemeral(),
            AllowedFingerprints = new HashSet<string> { new('a', 64) },
        };
        Assert.Throws<ArgumentException>(options.Validate);
    }
}
