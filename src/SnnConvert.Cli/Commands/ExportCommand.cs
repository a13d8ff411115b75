using System.CommandLine;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Onnx;
using SnnConvert.Snn;

namespace SnnConvert.Cli.Commands;

/// <summary>
/// <c>snnconvert export</c>: a CNN model file as ONNX (--model/--onnx), or a converted SNN as a NIR graph (--snn/--nir),
/// for other tools, simulators and neuromorphic hardware. Exactly one of the two pairs is given.
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Trained CNN (.snnm) to write as ONNX; with --onnx" };
        var onnx = new Option<string?>("--onnx") { Description = "ONNX file to write (.onnx); with --model" };
        var snn = new Option<string?>("--snn") { Description = "Converted SNN (.snn) to write as NIR; with --nir" };
        var nir = new Option<string?>("--nir") { Description = "NIR file to write (.nir, HDF5); with --snn" };
        var denseAsConv = new Option<bool>("--dense-as-conv")
        {
            Description = "NIR: write dense layers as convolutions over the whole map, so that the graph has no Flatten (readers disagree on its batch axis)",
        };
        var plain = new Option<bool>("--plain") { Description = "NIR: write no SnnConvert metadata (older readers); the file then means hard reset and zero initial membrane" };
        var command = new Command("export",
            $"Write a CNN as an ONNX model (opset {OnnxExporter.Opset}) with --model/--onnx, or a converted SNN as a NIR graph (Neuromorphic Intermediate Representation, HDF5) with --snn/--nir")
        {
            model, onnx, snn, nir, denseAsConv, plain,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string? modelPath = parse.GetValue(model), onnxPath = parse.GetValue(onnx), snnPath = parse.GetValue(snn), nirPath = parse.GetValue(nir);
            bool cnnPair = modelPath is not null || onnxPath is not null, snnPair = snnPath is not null || nirPath is not null;
            if (cnnPair == snnPair)
                throw new UsageException("give either --model FILE.snnm --onnx FILE.onnx (a CNN as ONNX) or --snn FILE.snn --nir FILE.nir (an SNN as NIR), not both and not neither");
            var options = new NirExportOptions(parse.GetValue(denseAsConv), parse.GetValue(plain));
            if (cnnPair)
            {
                if (options != NirExportOptions.Default) throw new UsageException("--dense-as-conv and --plain apply to NIR export (--snn/--nir), not to ONNX");
                return ExportOnnx(modelPath ?? throw Missing("--model", "--onnx"), onnxPath ?? throw Missing("--onnx", "--model"));
            }
            return ExportNir(snnPath ?? throw Missing("--snn", "--nir"), nirPath ?? throw Missing("--nir", "--snn"), options);
        }));
        return command;
    }

    private static UsageException Missing(string option, string partner) => new($"{option}: missing; {partner} needs it");

    private static int ExportOnnx(string modelPath, string path)
    {
        SavedModel saved = ModelFile.Load(modelPath);
        OnnxExporter.Save(path, saved.Network);
        Network net = saved.Network;
        Console.Out.WriteLine($"onnx: {path} (opset {OnnxExporter.Opset}; input \"{OnnxExporter.InputName}\" (N, {string.Join(", ", net.InputShape)}), " +
            $"output \"{OnnxExporter.OutputName}\" (N, {net.ClassCount}))");
        return 0;
    }

    private static int ExportNir(string snnPath, string path, NirExportOptions options)
    {
        SpikingNetwork net = SnnFile.Load(snnPath);
        NirGraph graph = NirExporter.ToGraph(net, options);
        NirFile.Write(path, graph);
        // What NIR's primitives cannot say is at best in metadata, which other tools ignore: say what they will run (docs/nir.md).
        string kept = options.Plain ? "not written (--plain)" : "kept only in SnnConvert's metadata";
        if (net.Neuron.Reset == ResetMode.Soft)
            Console.Error.WriteLine($"warning: the SNN uses soft reset (v -= threshold), which NIR's IF cannot say ({kept}): readers that follow NIR run it " +
                "with hard reset (v = 0) and lose accuracy at small T. For a file that means what it says, convert with --reset hard and export that (docs/nir.md)");
        if (net.Neuron.Initial != InitialMembrane.Zero)
            Console.Error.WriteLine($"warning: NIR has no initial membrane; v(0) = threshold/2 is {kept}, other readers start from 0 (docs/nir.md)");
        string form = (options.DenseAsConv ? "dense layers as convolutions, " : "") + (options.Plain ? "no metadata, " : "");
        Console.Out.WriteLine($"nir: {path} (NIR {NirExporter.Version}; {form}{graph.Nodes.Count} nodes, {graph.Edges.Count} edges; input ({string.Join(", ", net.InputShape)}), output ({net.ClassNames.Count}))");
        return 0;
    }
}
