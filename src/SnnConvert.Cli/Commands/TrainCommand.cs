using System.CommandLine;
using SnnConvert.Errors;
using SnnConvert.Models;
using SnnConvert.Training;
using Spectre.Console;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert train</c>: trains a zoo model, writing last/best models and a resumable checkpoint.</summary>
public static class TrainCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Zoo architecture to train (see `snnconvert models`)", Required = true };
        var dataset = CommonOptions.Dataset(required: false);
        dataset.Description = "Dataset (default: the one the zoo model is made for)";
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the zoo model's recipe)" };
        var batch = new Option<int?>("--batch-size") { Description = "Mini-batch size (default: recipe)" };
        var optimizer = new Option<string?>("--optimizer") { Description = "sgd or adam (default: recipe)" };
        var lr = new Option<float?>("--lr") { Description = "Base learning rate (default: recipe)" };
        var schedule = new Option<string?>("--schedule") { Description = "constant, step or cosine (default: recipe)" };
        var stepEpochs = new Option<int>("--step-epochs") { Description = "Step schedule: epochs between decays", DefaultValueFactory = _ => 10 };
        var gamma = new Option<float>("--gamma") { Description = "Step schedule: decay factor", DefaultValueFactory = _ => 0.1f };
        var weightDecay = new Option<float?>("--weight-decay") { Description = "L2 weight decay on weights (default: recipe)" };
        var momentum = new Option<float?>("--momentum") { Description = "SGD momentum (default: recipe)" };
        var nesterov = new Option<bool?>("--nesterov") { Description = "SGD with Nesterov momentum (default: recipe)" };
        var augment = new Option<bool?>("--augment") { Description = "Random crop (4-pixel padding) and horizontal flip (default: recipe; on for CIFAR-10)" };
        var cutout = new Option<int?>("--cutout") { Description = "Blank a random N x N square of every training image (Cutout, DeVries & Taylor 2017; 0: off; default: recipe)" };
        var labelSmoothing = new Option<float?>("--label-smoothing") { Description = "Label smoothing eps of the training loss (0: off; default: recipe)" };
        var seed = CommonOptions.Seed();
        var output = new Option<string>("--out") { Description = "Model file to write (also writes <name>.best.snnm and <name>.ckpt)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from <out>.ckpt when it exists" };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images" };
        var testLimit = new Option<int?>("--test-limit") { Description = "Evaluate on only the first N test images" };
        var checkpointSeconds = new Option<double>("--checkpoint-seconds") { Description = "Write a resumable checkpoint at least this often within an epoch", DefaultValueFactory = _ => 120 };
        var activation = new Option<string>("--activation")
        {
            Description = "relu, or qcfs: every ReLU becomes the quantisation-clip-floor-shift activation of Bu et al. 2022 with a trainable threshold",
            DefaultValueFactory = _ => "relu",
        };
        var levels = new Option<int?>("--levels") { Description = "qcfs: quantisation levels L (the SNN's time steps it is exact at)" };
        var granularity = new Option<string>("--threshold-granularity")
        {
            Description = "qcfs: one threshold per layer (the paper) or per channel", DefaultValueFactory = _ => "layer",
        };
        var init = new Option<string?>("--init")
        {
            Description = "Fine-tune: start from this model file's weights (same architecture up to ReLU/QCFS); new QCFS thresholds " +
                          "start where QCFS is closest to the ReLU on their inputs over the first 256 training images",
        };
        var dataDir = CommonOptions.DataDir();
        var download = CommonOptions.Download();
        var command = new Command("train", "Train a zoo CNN with SnnConvert's own trainer")
        {
            model, dataset, epochs, batch, optimizer, lr, schedule, stepEpochs, gamma, weightDecay, momentum, nesterov, augment,
            cutout, labelSmoothing, seed, output, resume, trainLimit, testLimit, checkpointSeconds, activation, levels, granularity, init, dataDir, download,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string modelName = parse.GetValue(model)!;
            ZooModel zoo = ModelZoo.Find(modelName)
                ?? throw new UsageException($"--model: unknown zoo model \"{modelName}\", expected one of {string.Join(", ", ModelZoo.All.Select(m => m.Name))}");
            zoo = WithActivation(zoo, parse.GetValue(activation)!, parse.GetValue(levels), parse.GetValue(granularity)!);
            string? initPath = parse.GetValue(init);
            if (initPath is not null && !File.Exists(initPath)) throw new UsageException($"--init: model file \"{initPath}\" not found");
            var r = zoo.Recipe;
            var options = new TrainOptions(
                parse.GetValue(epochs) ?? r.Epochs, parse.GetValue(batch) ?? r.BatchSize, parse.GetValue(optimizer) ?? r.Optimizer,
                parse.GetValue(lr) ?? r.LearningRate, parse.GetValue(schedule) ?? r.Schedule, parse.GetValue(stepEpochs), parse.GetValue(gamma),
                parse.GetValue(weightDecay) ?? r.WeightDecay, parse.GetValue(momentum) ?? r.Momentum, parse.GetValue(nesterov) ?? r.Nesterov,
                parse.GetValue(augment) ?? r.Augment, parse.GetValue(seed), parse.GetValue(checkpointSeconds),
                parse.GetValue(cutout) ?? r.Cutout, parse.GetValue(labelSmoothing) ?? r.LabelSmoothing);
            options.Validate();
            SnnOptions.CheckLimit("--train-limit", parse.GetValue(trainLimit));   // before either split is read
            SnnOptions.CheckLimit("--test-limit", parse.GetValue(testLimit));
            string datasetName = parse.GetValue(dataset) ?? zoo.Dataset;
            _ = SnnConvert.Data.DatasetCatalog.Find(datasetName);
            var train = DatasetAccess.Load(datasetName, "train", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(trainLimit));
            var test = DatasetAccess.Load(datasetName, "test", parse.GetValue(dataDir), parse.GetValue(download), parse.GetValue(testLimit));
            Terminal.LogBackend();
            Terminal.Log($"training {zoo.Name} on {train.Name} ({train.Count} images), testing on {test.Name} ({test.Count}); {options}");
            string commandLine = "snnconvert " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1));
            var paths = new TrainingPaths(parse.GetValue(output)!);
            SavedModel result = null!;
            Terminal.Progress().Start(ctx =>
            {
                var observer = new TrainingProgressObserver(ctx);
                result = new Trainer(options, paths, observer).Run(zoo, train, test, parse.GetValue(resume), commandLine, initPath);
            });
            double? accuracy = result.Training["testAccuracy"]?.GetValue<double>();
            Console.Out.WriteLine($"model: {paths.Model} (best: {paths.Best}, checkpoint: {paths.Checkpoint})");
            Console.Out.WriteLine($"test accuracy: {accuracy:F2}%");
            return 0;
        }));
        return command;
    }

    /// <summary>The zoo model with the activation the flags ask for: as it is (relu), or with QCFS in place of every ReLU.</summary>
    public static ZooModel WithActivation(ZooModel zoo, string activation, int? levels, string granularity)
    {
        bool perChannel = granularity switch
        {
            "layer" => false,
            "channel" => true,
            _ => throw new UsageException($"--threshold-granularity: unknown value \"{granularity}\", expected layer or channel"),
        };
        switch (activation)
        {
            case "relu":
                if (levels is not null) throw new UsageException("--levels: only with --activation qcfs");
                if (perChannel) throw new UsageException("--threshold-granularity: only with --activation qcfs");
                return zoo;
            case "qcfs":
                return QcfsArchitecture.Swap(zoo, levels ?? throw new UsageException("--levels: --activation qcfs needs the quantisation levels L (e.g. --levels 4)"), perChannel);
            default:
                throw new UsageException($"--activation: unknown value \"{activation}\", expected relu or qcfs");
        }
    }
}
