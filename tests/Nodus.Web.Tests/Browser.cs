using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Nodus.Web.Tests;

/// <summary>Debian's chromium driven by chromium-driver, headless, with a fresh profile; screenshots go to test-results/.</summary>
public sealed class Browser : IDisposable
{
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "nodus-web-tests-" + Guid.NewGuid().ToString("N"));

    public Browser()
    {
        var options = new ChromeOptions { BinaryLocation = Find("chromium", "/usr/bin/chromium") };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
            "--window-size=1400,900", $"--user-data-dir={_profile}");
        string driver = Find("chromedriver", "/usr/bin/chromedriver");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driver)!, Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public ChromeDriver Driver { get; }

    public object? Js(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public long JsLong(string script, params object[] args) => Convert.ToInt64(Js(script, args), CultureInfo.InvariantCulture);

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails with <paramref name="what"/> and the page's summary.</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try { if (condition()) return; }
            catch (WebDriverException) { }
            Thread.Sleep(200);
        }
        Screenshot("timeout-" + new string(what.Where(char.IsLetterOrDigit).Take(40).ToArray()));
        string summary = Js("return JSON.stringify(window.nodus && window.nodus.summary())") as string ?? "";
        throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}; page: {summary[..Math.Min(summary.Length, 1500)]}");
    }

    public void Click(string id) => Driver.FindElement(By.Id(id)).Click();

    /// <summary>How long an option may take to appear: the page rebuilds its node list on its next panel render,
    /// which can come after the model already holds the node.</summary>
    private static readonly TimeSpan OptionPatience = TimeSpan.FromSeconds(15);

    /// <summary>Chooses an option of a select element as a person would (opening it and clicking the option), once
    /// the option is there.</summary>
    public void Choose(string selectId, string value)
    {
        var option = By.CssSelector($"#{selectId} option[value='{value}']");
        WaitUntil(() => Driver.FindElements(option).Count > 0, OptionPatience, $"option {value} of #{selectId}");
        Driver.FindElement(By.Id(selectId)).Click();
        Driver.FindElement(option).Click();
    }

    public void SelectNode(string node) => Choose("node-select", node);

    public string Text(string id) => Driver.FindElement(By.Id(id)).Text;

    /// <summary>Saves a PNG under test-results/ (created by test.sh) and returns its path.</summary>
    public string Screenshot(string name)
    {
        string dir = ResultsDirectory();
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"dashboard-{name}.png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public static string ResultsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "test.sh"))) return Path.Combine(dir.FullName, "test-results");
        return Path.Combine(AppContext.BaseDirectory, "test-results");
    }

    private static string Find(string name, string fallback)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        return fallback;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try { Directory.Delete(_profile, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
