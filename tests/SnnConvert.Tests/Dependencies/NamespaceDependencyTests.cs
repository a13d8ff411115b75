using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Fluent.Slices;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using SnnConvert.Tensors;
using Xunit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace SnnConvert.Tests.Dependencies;

/// <summary>
/// The library's layering, checked on the compiled assemblies (every type reference, not only <c>using</c> lines):
/// each namespace of the library may use only the namespaces <see cref="MayUse"/> lists for it, the table has no
/// cycle, the namespaces have none, and nothing in the library uses the CLI. docs/architecture.md explains the table.
/// </summary>
public class NamespaceDependencyTests
{
    /// <summary>
    /// The allowed graph, in one place, bottom to top: a namespace (folder of src/SnnConvert, with its sub-namespaces)
    /// may use the namespaces listed for it and no other. A new folder must be added here to pass.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        // The bottom: errors, the tensor engine (kernels, BLAS, counter-based random numbers and seeds, the image source the simulator reads).
        ["Errors"] = [],
        ["Tensors"] = ["Errors"],
        // Span-in/span-out kernels shared by the CNN layers and the spiking engine (convolution, Winograd, batch norm, IF step).
        ["Kernels"] = ["Errors", "Tensors"],
        // Beside the bottom: files and datasets.
        ["IO"] = ["Errors", "Tensors"],
        ["Data"] = ["Errors", "Tensors", "IO"],
        // The network: layers, then whole models (files, zoo, evaluation).
        ["Layers"] = ["Errors", "Tensors", "Kernels", "IO"],
        ["Models"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers"],
        // The spiking engine knows no training, conversion, datasets or reports: it reads images through Tensors.ILabelledImages.
        ["Snn"] = ["Errors", "Tensors", "Kernels", "IO", "Layers"],
        // What works on models.
        ["Training"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers", "Models"],
        ["Onnx"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers", "Models"],
        ["Conversion"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers", "Models", "Snn"],
        ["Nir"] = ["Errors", "Tensors", "Kernels", "IO", "Layers", "Models", "Snn"],
        // The top: reports and benchmarks, which use the rest but not each other.
        ["Reporting"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers", "Models", "Snn", "Training", "Onnx", "Conversion", "Nir"],
        ["Benchmarks"] = ["Errors", "Tensors", "Kernels", "IO", "Data", "Layers", "Models", "Snn", "Training", "Onnx", "Conversion", "Nir"],
    };

    /// <summary>The CLI's namespace: no library type may use it.</summary>
    private const string Cli = "SnnConvert.Cli";

    private static readonly Lazy<Architecture> Compiled = new(() =>
        new ArchLoader().LoadAssemblies(typeof(Tensor).Assembly, typeof(global::SnnConvert.Cli.Program).Assembly).Build());

    /// <summary>The library alone: the CLI is an application on top, not part of the layering.</summary>
    private static readonly Lazy<Architecture> Library = new(() => new ArchLoader().LoadAssemblies(typeof(Tensor).Assembly).Build());

    public static TheoryData<string> Namespaces() => [.. MayUse.Keys];

    /// <summary>The namespace and its sub-namespaces (e.g. Onnx.Proto, the generated ONNX schema).</summary>
    private static string Pattern(string name) => $@"^SnnConvert\.{Regex.Escape(name)}(\..+)?$";

    [Fact]
    public void Every_library_namespace_is_in_the_table()
    {
        var found = typeof(Tensor).Assembly.GetTypes()
            .Select(t => t.Namespace)
            .Where(ns => ns is not null && ns.StartsWith("SnnConvert.", StringComparison.Ordinal))
            .Select(ns => ns!.Split('.')[1])
            .ToHashSet();
        Assert.Empty(found.Except(MayUse.Keys).Order());
        Assert.Empty(MayUse.Keys.Except(found).Order());
    }

    [Fact]
    public void The_table_is_acyclic_and_names_only_its_own_namespaces()
    {
        foreach (var (name, uses) in MayUse)
            foreach (string used in uses)
                Assert.True(MayUse.ContainsKey(used), $"{name} may use {used}, which is not in the table");
        // Kahn's algorithm: repeatedly remove namespaces all of whose allowed uses are removed; what stays is on a cycle.
        var left = MayUse.Keys.ToHashSet();
        while (left.RemoveWhere(n => !MayUse[n].Any(left.Contains)) > 0) { }
        Assert.True(left.Count == 0, $"the allowed graph has a cycle through {string.Join(", ", left.Order())}");
    }

    [Theory]
    [MemberData(nameof(Namespaces))]
    public void A_namespace_uses_only_what_the_table_allows(string name)
    {
        string[] forbidden = [.. MayUse.Keys.Where(n => n != name && !MayUse[name].Contains(n)).Select(n => $"SnnConvert.{n}"), Cli];
        string forbiddenPattern = $@"^({string.Join("|", forbidden.Select(Regex.Escape))})(\..+)?$";
        Types().That().ResideInNamespaceMatching(Pattern(name))
            .Should().NotDependOnAny(Types().That().ResideInNamespaceMatching(forbiddenPattern))
            .Because($"SnnConvert.{name} may use only {(MayUse[name].Length == 0 ? "the .NET libraries" : string.Join(", ", MayUse[name]))} (NamespaceDependencyTests.MayUse)")
            .Check(Compiled.Value);
    }

    [Fact]
    public void The_library_namespaces_have_no_cycle() =>
        SliceRuleDefinition.Slices().Matching("SnnConvert.(*)").Should().BeFreeOfCycles().Check(Library.Value);
}
