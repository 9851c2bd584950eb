using System.Text.Json.Nodes;
using FastRes.Tests.Cli;
using FastRes.Tests.Experiments.Data;
using NUnit.Framework;

namespace FastRes.Tests.Browser;

/// <summary>
/// The reproduction report in a real browser (issue 15 item 5): headless Chromium opens index.html — one written
/// here by <c>fastres reproduce</c>, and the committed docs/report — and every figure must load and decode, the
/// console stay free of errors, and the page fit a phone's width and a wide screen's without sideways scrolling.
/// Screenshots go to the test's output folder and, when FASTRES_SCREENSHOTS names a folder (CI's results), there.
/// Without Chromium the tests report themselves skipped (bench/install-peers.sh installs it).
/// </summary>
[TestFixture, NonParallelizable]
public sealed class ReportBrowserTests
{
    /// <summary>Quick to run and with figures, so the browser has images to load.</summary>
    internal const string Experiments = "shamir-theorem2,shamir-lemma1";

    private static string Chromium => HeadlessChromium.Find() ?? Ignore();

    private static string Ignore()
    {
        Assert.Ignore("chromium is not installed (bash bench/install-peers.sh installs Debian's chromium)");
        return "";
    }

    private static string WriteReport(string dir)
    {
        var outcome = CliHarness.Run("reproduce", "--scale", "quick", "--only", Experiments, "--out", dir);
        Assert.That(outcome.ExitCode, Is.EqualTo(0), outcome.Error + outcome.Out);
        return Path.Combine(dir, "index.html");
    }

    [Test]
    public async Task A_fresh_report_loads_every_figure_without_errors_on_a_phone_and_a_wide_screen()
    {
        string chromium = Chromium;
        using var temp = TestData.Temp();
        string index = WriteReport(temp.Path);
        var figures = (JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Path, "report.json")))!["claims"] as JsonArray)!
            .SelectMany(c => c!["figures"]!.AsArray()).Count();
        Assert.That(figures, Is.GreaterThan(0), "the report shows figures");

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var browser = await HeadlessChromium.Start(chromium, cancel.Token);
        foreach (var (name, width, height, mobile) in new[] { ("wide", 1400, 1000, false), ("phone", 390, 844, true) })
        {
            await browser.Viewport(width, height, mobile, cancel.Token);
            await browser.Open(new Uri(index).AbsoluteUri, cancel.Token);
            var page = await PageFacts(browser, cancel.Token);
            Assert.That(page.Images, Is.EqualTo(figures), $"{name}: every figure of report.json is an image on the page");
            Assert.That(page.Broken, Is.Empty, $"{name}: images that did not load or decode");
            Assert.That(page.Overflow, Is.LessThanOrEqualTo(1), $"{name}: the page scrolls sideways by {page.Overflow} px at {width} px");
            Assert.That(page.TocLinks, Is.GreaterThan(0), $"{name}: a table of contents");
            Save(await browser.Screenshot(fullPage: false, cancel.Token), $"report-{name}.png");
        }
        Assert.That(browser.Errors, Is.Empty, "console errors, exceptions or failed loads");
    }

    [Test]
    public async Task A_missing_figure_is_caught()
    {
        // The check must be able to fail: remove one figure the page shows.
        string chromium = Chromium;
        using var temp = TestData.Temp();
        string index = WriteReport(temp.Path);
        var figure = Directory.EnumerateFiles(Path.Combine(temp.Path, "figures"), "*.png", SearchOption.AllDirectories).First();
        File.Delete(figure);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var browser = await HeadlessChromium.Start(chromium, cancel.Token);
        await browser.Open(new Uri(index).AbsoluteUri, cancel.Token);
        var page = await PageFacts(browser, cancel.Token);
        // Every image showing that file (claims may share a figure), and no other.
        string src = new Uri(figure).AbsoluteUri;
        Assert.That(page.Broken, Is.Not.Empty.And.All.EqualTo(src));
        Assert.That(browser.Errors, Is.Not.Empty, "the failed load is reported");
    }

    [Test]
    public async Task The_committed_report_loads_every_figure_without_errors()
    {
        string chromium = Chromium;
        string index = Path.Combine(TestData.RepoRoot, "docs", "report", "index.html");
        Assert.That(File.Exists(index), Is.True, "docs/report/index.html is committed (fastres reproduce --scale quick …, see README)");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var browser = await HeadlessChromium.Start(chromium, cancel.Token);
        await browser.Viewport(1400, 1000, false, cancel.Token);
        await browser.Open(new Uri(index).AbsoluteUri, cancel.Token);
        var page = await PageFacts(browser, cancel.Token);
        Assert.That(page.Images, Is.GreaterThan(0));
        Assert.That(page.Broken, Is.Empty);
        Assert.That(browser.Errors, Is.Empty);
        Save(await browser.Screenshot(fullPage: false, cancel.Token), "docs-report.png");
    }

    private sealed record Facts(int Images, List<string> Broken, double Overflow, int TocLinks);

    private static async Task<Facts> PageFacts(HeadlessChromium browser, CancellationToken cancel)
    {
        // An image is broken when it finished without pixels (complete but naturalWidth 0) or never finished.
        var v = (await browser.Evaluate("""
            ({
              images: document.images.length,
              broken: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
              overflow: document.documentElement.scrollWidth - window.innerWidth,
              toc: document.querySelectorAll('nav a[href^="#"]').length
            })
            """, cancel))!;
        return new(v["images"]!.GetValue<int>(), v["broken"]!.AsArray().Select(b => b!.GetValue<string>()).ToList(),
                   v["overflow"]!.GetValue<double>(), v["toc"]!.GetValue<int>());
    }

    private static void Save(byte[] png, string name)
    {
        Assert.That(png.Length, Is.GreaterThan(1000), "a screenshot with content");
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, name);
        File.WriteAllBytes(path, png);
        TestContext.AddTestAttachment(path);
        if (Environment.GetEnvironmentVariable("FASTRES_SCREENSHOTS") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), png);
        }
    }
}
