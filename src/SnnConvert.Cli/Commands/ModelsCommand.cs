using System.CommandLine;
using SnnConvert.Models;
using Spectre.Console;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert models</c>: lists the zoo architectures.</summary>
public static class ModelsCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var verbose = new Option<bool>("--layers") { Description = "Also list every layer with its output shape and MACs" };
        var markdown = new Option<bool>("--markdown") { Description = "Print the layer tables as Markdown (used for docs/models.md)" };
        var activation = new Option<string>("--activation") { Description = "relu, or qcfs: list the zoo with QCFS in place of every ReLU (as train makes it)", DefaultValueFactory = _ => "relu" };
        var levels = new Option<int?>("--levels") { Description = "qcfs: quantisation levels L" };
        var granularity = new Option<string>("--threshold-granularity") { Description = "qcfs: one threshold per layer or per channel", DefaultValueFactory = _ => "layer" };
        var command = new Command("models", "List the model zoo: architectures, parameters and MACs per image") { verbose, markdown, activation, levels, granularity };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            ZooModel[] zoos = ModelZoo.All.Select(z => TrainCommand.WithActivation(z, parse.GetValue(activation)!, parse.GetValue(levels), parse.GetValue(granularity)!)).ToArray();
            if (parse.GetValue(markdown))
            {
                Console.Out.Write(ZooMarkdown(zoos));
                return 0;
            }
            var table = new Table().AddColumns("name", "dataset", "input", "parameters", "MACs/image", "recipe");
            foreach (ZooModel zoo in zoos)
            {
                Network net = zoo.Build(new Random(0));
                var r = zoo.Recipe;
                table.AddRow(zoo.Name, zoo.Dataset, string.Join("x", zoo.InputShape), $"{net.ParameterCount:N0}", $"{net.Macs:N0}",
                    Markup.Escape($"{r.Optimizer} lr {r.LearningRate} batch {r.BatchSize} {r.Epochs} ep {r.Schedule}" + (r.Augment ? " +aug" : "") + (r.Cutout > 0 ? $" +cutout {r.Cutout}" : "") + (r.LabelSmoothing > 0 ? $" +ls {r.LabelSmoothing}" : "")));
            }
            Terminal.Out.Write(table);
            foreach (ZooModel zoo in zoos) Console.Out.WriteLine($"{zoo.Name}: {zoo.Description}");
            if (!parse.GetValue(verbose)) return 0;
            foreach (ZooModel zoo in zoos)
            {
                Network net = zoo.Build(new Random(0));
                var layers = new Table().Title(zoo.Name).AddColumns("#", "layer", "output", "parameters", "MACs");
                for (int i = 0; i < net.Architecture.Count; i++)
                {
                    var spec = net.Architecture[i];
                    layers.AddRow($"{i}", Markup.Escape(spec.Describe()), string.Join("x", net.LayerShapes[i + 1]),
                        $"{spec.ParameterCount:N0}", $"{spec.Macs(net.LayerShapes[i]):N0}");
                }
                Terminal.Out.Write(layers);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Per model of <paramref name="zoos"/> (default: the zoo): a summary line and a Markdown table of layers, output shapes, parameters and MACs.</summary>
    public static string ZooMarkdown(IEnumerable<ZooModel>? zoos = null)
    {
        var sb = new System.Text.StringBuilder();
        foreach (ZooModel zoo in zoos ?? ModelZoo.All)
        {
            Network net = zoo.Build(new Random(0));
            var r = zoo.Recipe;
            sb.AppendLine($"### {zoo.Name}").AppendLine()
              .AppendLine($"{zoo.Description}").AppendLine()
              .AppendLine($"Dataset `{zoo.Dataset}`, input {string.Join("x", zoo.InputShape)}; **{net.ParameterCount:N0} parameters, {net.Macs:N0} MACs per image**. " +
                          $"Default recipe: {r.Optimizer}, lr {r.LearningRate}, batch {r.BatchSize}, {r.Epochs} epochs, {r.Schedule} schedule, weight decay {r.WeightDecay}" +
                          (r.Optimizer == "sgd" ? $", momentum {r.Momentum}" + (r.Nesterov ? " (Nesterov)" : "") : "") + (r.Augment ? ", random crop + flip" : "") +
                          (r.Cutout > 0 ? $", cutout {r.Cutout}x{r.Cutout}" : "") + (r.LabelSmoothing > 0 ? $", label smoothing {r.LabelSmoothing}" : "") + ".")
              .AppendLine()
              .AppendLine("| # | layer | output | parameters | MACs |").AppendLine("|---|---|---|---|---|");
            for (int i = 0; i < net.Architecture.Count; i++)
            {
                var spec = net.Architecture[i];
                sb.AppendLine($"| {i} | {spec.Describe()} | {string.Join("x", net.LayerShapes[i + 1])} | {spec.ParameterCount:N0} | {spec.Macs(net.LayerShapes[i]):N0} |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
