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
        var command = new Command("export",
            $"Write a CNN as an ONNX model (opset {OnnxExporter.Opset}) with --model/--onnx, or a converted SNN as a NIR graph (Neuromorphic Intermediate Representation, HDF5) with --snn/--nir")
        {
            model, onnx, snn, nir,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string? modelPath = parse.GetValue(model), onnxPath = parse.GetValue(onnx), snnPath = parse.GetValue(snn), nirPath = parse.GetValue(nir);
            bool cnnPair = modelPath is not null || onnxPath is not null, snnPair = snnPath is not null || nirPath is not null;
            if (cnnPair == snnPair)
                throw new UsageException("give either --model FILE.snnm --onnx FILE.onnx (a CNN as ONNX) or --snn FILE.snn --nir FILE.nir (an SNN as NIR), not both and not neither");
            if (cnnPair) return ExportOnnx(modelPath ?? throw Missing("--model", "--onnx"), onnxPath ?? throw Missing("--onnx", "--model"));
            return ExportNir(snnPath ?? throw Missing("--snn", "--nir"), nirPath ?? throw Missing("--nir", "--snn"));
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

    private static int ExportNir(string snnPath, string path)
    {
        SpikingNetwork net = SnnFile.Load(snnPath);
        NirGraph graph = NirExporter.ToGraph(net);
        NirFile.Write(path, graph);
        // What NIR's primitives cannot say is kept in metadata, which other tools may ignore: say so (docs/nir.md).
        if (net.Neuron.Reset == ResetMode.Soft)
            Console.Error.WriteLine("note: soft reset (v -= threshold) has no NIR primitive; the IF nodes say v_reset = 0 and carry metadata snnconvert_reset = \"subtract\" (docs/nir.md)");
        if (net.Neuron.Initial != InitialMembrane.Zero)
            Console.Error.WriteLine("note: NIR has no initial membrane; v(0) = theta/2 is kept only in the graph metadata (docs/nir.md)");
        Console.Out.WriteLine($"nir: {path} (NIR {NirExporter.Version}; {graph.Nodes.Count} nodes, {graph.Edges.Count} edges; input ({string.Join(", ", net.InputShape)}), output ({net.ClassNames.Count}))");
        return 0;
    }
}
