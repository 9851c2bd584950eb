using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FastRes.Tests.Browser;

/// <summary>
/// A real browser for the report tests: headless Chromium (Debian <c>chromium</c>) driven over the DevTools protocol
/// on a WebSocket — no driver, no package. It opens a page, waits for its load event, and reports what a reader
/// would meet: console errors and uncaught exceptions, failed loads (a missing figure is a network error), images
/// that did not decode, whether the page overflows the viewport sideways, and a screenshot.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly List<string> _errors = [];
    private int _nextId;

    /// <summary>The browser binary, or null (the test then reports itself skipped and says how to install it).</summary>
    public static string? Find()
        => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>What the page produced: console errors, exceptions and failed loads, in arrival order.</summary>
    public IReadOnlyList<string> Errors => _errors;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> Start(string binary, CancellationToken cancel)
    {
        string profile = Path.Combine(Path.GetTempPath(), "fastres-chromium-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        foreach (var a in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                                   "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank" })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {binary}");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            string endpoint = await browser.BrowserEndpoint(cancel);
            // Chromium keeps logging; a pipe nobody reads would fill and stall it.
            _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            // The page target: /json/list on the port the browser endpoint names.
            var port = new Uri(endpoint).Port;
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list", cancel))!.AsArray();
            var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            await browser._socket.ConnectAsync(new Uri(page), cancel);
            foreach (var domain in new[] { "Page", "Runtime", "Log", "Network" }) await browser.Call(domain + ".enable", new JsonObject(), cancel);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    private async Task<string> BrowserEndpoint(CancellationToken cancel)
    {
        var stderr = new StringBuilder();
        while (await _process.StandardError.ReadLineAsync(cancel) is { } line)
        {
            stderr.AppendLine(line);
            const string Marker = "DevTools listening on ";
            int at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at >= 0) return line[(at + Marker.Length)..].Trim();
        }
        throw new InvalidOperationException("chromium exited before listening: " + stderr);
    }

    /// <summary>Sets the viewport (CSS pixels; mobile emulates a phone's viewport meta handling).</summary>
    public Task Viewport(int width, int height, bool mobile, CancellationToken cancel)
        => Call("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile }, cancel);

    /// <summary>Opens <paramref name="url"/> and waits for its load event (every image fetched or failed by then).</summary>
    public async Task Open(string url, CancellationToken cancel)
    {
        var result = await Call("Page.navigate", new JsonObject { ["url"] = url }, cancel, waitForEvent: "Page.loadEventFired");
        if (result?["errorText"] is JsonValue error) throw new InvalidOperationException($"navigation to {url} failed: {error}");
    }

    /// <summary>The value of a JavaScript expression in the page (by value: JSON-able results only).</summary>
    public async Task<JsonNode?> Evaluate(string expression, CancellationToken cancel)
    {
        var r = await Call("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, cancel);
        if (r?["exceptionDetails"] is { } ex) throw new InvalidOperationException("script failed: " + ex.ToJsonString());
        return r?["result"]?["value"];
    }

    /// <summary>A PNG of the whole page (beyond the viewport when <paramref name="fullPage"/>).</summary>
    public async Task<byte[]> Screenshot(bool fullPage, CancellationToken cancel)
    {
        var r = await Call("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = fullPage }, cancel);
        return Convert.FromBase64String(r!["data"]!.GetValue<string>());
    }

    /// <summary>Sends one command and waits for its reply (and, if named, for an event after it), noting errors the page reports meanwhile.</summary>
    private async Task<JsonNode?> Call(string method, JsonObject parameters, CancellationToken cancel, string? waitForEvent = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancel);
        JsonNode? result = null;
        bool replied = false, evented = waitForEvent is null;
        while (!replied || !evented)
        {
            var msg = await Receive(cancel);
            if (msg["id"] is JsonValue v && v.GetValue<int>() == id)
            {
                if (msg["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
                result = msg["result"];
                replied = true;
            }
            else if (msg["method"]?.GetValue<string>() is { } name)
            {
                if (name == waitForEvent) evented = true;
                Note(name, msg["params"]);
            }
        }
        return result;
    }

    private void Note(string name, JsonNode? p)
    {
        if (p is null) return;
        if (name == "Runtime.exceptionThrown")
        {
            var details = p["exceptionDetails"];
            _errors.Add("exception: " + (details?["exception"]?["description"] ?? details?["text"]));
        }
        else if (name == "Runtime.consoleAPICalled" && Text(p["type"]) is "error" or "assert")
        {
            var args = p["args"] as JsonArray ?? new JsonArray();
            _errors.Add("console: " + string.Join(' ', args.Select(a => (a?["value"] ?? a?["description"])?.ToString())));
        }
        else if (name == "Log.entryAdded" && Text(p["entry"]?["level"]) == "error")
        {
            var entry = p["entry"]!;
            _errors.Add("log (" + entry["source"] + "): " + entry["text"] + " " + entry["url"]);
        }
        else if (name == "Network.loadingFailed")
        {
            _errors.Add("load failed: " + p["errorText"] + " (request " + p["requestId"] + ")");
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private async Task<JsonObject> Receive(CancellationToken cancel)
    {
        var buffer = new byte[1 << 16];
        using var whole = new MemoryStream();
        while (true)
        {
            var r = await _socket.ReceiveAsync(buffer, cancel);
            if (r.MessageType == WebSocketMessageType.Close) throw new InvalidOperationException("chromium closed the DevTools connection");
            whole.Write(buffer, 0, r.Count);
            if (r.EndOfMessage) break;
        }
        return JsonNode.Parse(whole.ToArray())!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_socket.State == WebSocketState.Open) await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); }
        catch (WebSocketException) { }
        _socket.Dispose();
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
