using System.CommandLine;
using SnnConvert.Models;
using SnnConvert.Onnx;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert export</c>: a CNN model file as ONNX, for inference in other tools.</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Trained CNN (.snnm)", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write (.onnx)", Required = true };
        var command = new Command("export", $"Write a CNN as an ONNX model (opset {OnnxExporter.Opset}, batch dimension N) for ONNX Runtime and other ONNX tools")
        {
            model, onnx,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            SavedModel saved = ModelFile.Load(parse.GetValue(model)!);
            string path = parse.GetValue(onnx)!;
            OnnxExporter.Save(path, saved.Network);
            Network net = saved.Network;
            Console.Out.WriteLine($"onnx: {path} (opset {OnnxExporter.Opset}; input \"{OnnxExporter.InputName}\" (N, {string.Join(", ", net.InputShape)}), " +
                $"output \"{OnnxExporter.OutputName}\" (N, {net.ClassCount}))");
            return 0;
        }));
        return command;
    }
}
