using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SnnConvert.Tests.Data;

/// <summary>
/// A tiny HTTP server on 127.0.0.1 serving in-memory files, honouring "Range: bytes=N-" unless told to
/// ignore it, and recording each request's path and Range header.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();

    public LocalHttpServer()
    {
        // Pick a free port, then bind; retry in the unlikely case another process grabs it in between.
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                BaseUrl = $"http://127.0.0.1:{port}/";
                break;
            }
            catch (Exception e) when (e is HttpListenerException or System.Net.Sockets.SocketException && attempt < 20)
            {
                listener.Close();
            }
        }
        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    /// <summary>Files by URL path without the leading '/'.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    /// <summary>Answer every request with 200 and the whole file, like a server without range support.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>When set, full-file answers send only this many bytes and then break the connection.</summary>
    public int? BreakAfter { get; set; }

    /// <summary>With <see cref="BreakAfter"/>: hold the connection open without sending (until disposed) instead of dropping it at once.</summary>
    public bool Stall { get; set; }

    public ConcurrentQueue<(string Path, string? Range, int Status)> Requests { get; } = new();

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            try { Handle(context); }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException) { }
        }
    }

    // Each request is recorded before its answer is sent: a client that has its answer may read Requests at once.
    private void Handle(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath.TrimStart('/');
        string? range = context.Request.Headers["Range"];
        HttpListenerResponse response = context.Response;
        int status;
        if (!Files.TryGetValue(path, out byte[]? content))
        {
            status = 404;
            Requests.Enqueue((path, range, status));
            response.StatusCode = status;
            response.Close();
        }
        else if (range is not null && !IgnoreRange && range.StartsWith("bytes=") && range.EndsWith('-'))
        {
            long from = long.Parse(range["bytes=".Length..^1]);
            if (from >= content.Length)
            {
                status = 416;
                Requests.Enqueue((path, range, status));
                response.StatusCode = status;
                response.AddHeader("Content-Range", $"bytes */{content.Length}");
                response.Close();
            }
            else
            {
                status = 206;
                Requests.Enqueue((path, range, status));
                response.StatusCode = status;
                response.AddHeader("Content-Range", $"bytes {from}-{content.Length - 1}/{content.Length}");
                response.ContentLength64 = content.Length - from;
                response.OutputStream.Write(content, (int)from, (int)(content.Length - from));
                response.Close();
            }
        }
        else if (BreakAfter is int cut)
        {
            // Promise the whole file, send part of it, then drop (or hold) the connection.
            status = 200;
            Requests.Enqueue((path, range, status));
            response.StatusCode = status;
            response.ContentLength64 = content.Length;
            response.OutputStream.Write(content, 0, cut);
            response.OutputStream.Flush();
            _stopping.Token.WaitHandle.WaitOne(Stall ? TimeSpan.FromSeconds(20) : TimeSpan.FromMilliseconds(300));
            response.Abort();
            return;
        }
        else
        {
            status = 200;
            Requests.Enqueue((path, range, status));
            response.StatusCode = status;
            response.ContentLength64 = content.Length;
            response.OutputStream.Write(content);
            response.Close();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        // The managed HttpListener looks its endpoint up again to unregister it and can throw "Address already in use"
        // when another test's listener has taken the port meanwhile (seen once in CI); the listener is stopped either way.
        try { _listener.Close(); }
        catch (HttpListenerException) { }
        try { _loop.Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { }
        _stopping.Dispose();
    }
}
