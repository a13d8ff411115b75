namespace SnnConvert.Errors;

/// <summary>
/// Base of every error SnnConvert reports on purpose. Each subclass is one category with its own
/// process exit code, so scripts can tell a bad file from a missing dataset. Messages name the file
/// or field, what was expected and what was found.
/// </summary>
public abstract class SnnConvertException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The CLI's exit code for this category (documented in the README).</summary>
    public abstract int ExitCode { get; }

    /// <summary>Short category name, e.g. "data-format".</summary>
    public abstract string Category { get; }
}

/// <summary>A dataset file is truncated, has a wrong magic number, or inconsistent counts or sizes (exit code 3).</summary>
public sealed class DataFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 3;
    /// <inheritdoc/>
    public override string Category => "data-format";
}

/// <summary>A dataset cannot be found in any of the searched places (exit code 4).</summary>
public sealed class DatasetNotFoundException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 4;
    /// <inheritdoc/>
    public override string Category => "dataset-missing";
}

/// <summary>A model or checkpoint file is truncated, altered, of an unknown version, or does not match its architecture (exit code 5).</summary>
public sealed class ModelFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 5;
    /// <inheritdoc/>
    public override string Category => "model-format";
}

/// <summary>A download failed or its content did not match the expected checksum (exit code 6).</summary>
public sealed class DownloadException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 6;
    /// <inheritdoc/>
    public override string Category => "download";
}

/// <summary>The model does not fit the data (e.g. image size or class count differ) (exit code 7).</summary>
public sealed class ModelDataMismatchException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 7;
    /// <inheritdoc/>
    public override string Category => "model-data-mismatch";
}

/// <summary>The CNN cannot be converted as asked (an unsupported layer order, max pooling without an option, a bad threshold) (exit code 8).</summary>
public sealed class ConversionException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 8;
    /// <inheritdoc/>
    public override string Category => "conversion";
}

/// <summary>An ONNX file is unreadable, or its graph uses an operator, attribute, type or structure SnnConvert does not import (exit code 9).</summary>
public sealed class OnnxFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 9;
    /// <inheritdoc/>
    public override string Category => "onnx-format";
}

/// <summary>A NIR file is unreadable, or its graph uses a node, field or structure SnnConvert does not import (exit code 10).</summary>
public sealed class NirFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 10;
    /// <inheritdoc/>
    public override string Category => "nir-format";
}

/// <summary>Partial results to merge do not belong together: another model, .snn, setting or shard count (exit code 12).</summary>
public sealed class ShardMismatchException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 12;
    /// <inheritdoc/>
    public override string Category => "shard-mismatch";
}

/// <summary>The partial results to merge are not exactly one of each shard: some are missing or given twice (exit code 13).</summary>
public sealed class ShardSetException(string message) : SnnConvertException(message)
{
    /// <inheritdoc/>
    public override int ExitCode => 13;
    /// <inheritdoc/>
    public override string Category => "shard-set";
}

/// <summary>A partial result file is unreadable: truncated, empty, not JSON or not a partial result (exit code 14).</summary>
public sealed class PartialResultFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 14;
    /// <inheritdoc/>
    public override string Category => "partial-format";
}

/// <summary>A reproduction's results.json is missing or unreadable: truncated, not JSON, or not a reproduction's results (exit code 15).</summary>
public sealed class ResultsFormatException(string message, Exception? inner = null) : SnnConvertException(message, inner)
{
    /// <inheritdoc/>
    public override int ExitCode => 15;
    /// <inheritdoc/>
    public override string Category => "results-format";
}
