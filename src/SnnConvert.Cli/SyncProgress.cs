namespace SnnConvert.Cli;

/// <summary>An IProgress that calls its handler on the reporting thread at once (System.Progress posts asynchronously).</summary>
public sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc/>
    public void Report(T value) => handler(value);
}
