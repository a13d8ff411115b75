using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Snn;
using SnnConvert.Tests.Snn;
using Xunit;
using Xunit.Abstractions;

namespace SnnConvert.Tests.Nir;

/// <summary>
/// What a reader that follows NIR's specification (tools/nir_simulate.py, not our code) computes from our files: the
/// same class per image as SnnConvert's simulation of the hard-reset network. Skipped, with the reason printed, where
/// python3 with h5py and numpy is missing.
/// </summary>
public sealed class NirSemanticsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, bool, bool> ZooForms
    {
        get
        {
            var data = new TheoryData<string, bool, bool>();
            // Zoo models with a trained file in models/.
            foreach (string name in ModelZoo.All.Select(m => m.Name).Where(n => File.Exists(RepositoryFiles.Path($"models/{n}.snnm"))))
            {
                data.Add(name, false, false);
                data.Add(name, true, true);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ZooForms))]
    public void Reader_of_NIR_semantics_gives_the_classes_simulate_gives_for_a_hard_reset_export(string zooName, bool denseAsConv, bool plain)
    {
        string? python = NirSemanticsReader.FindPython(out string reason);
        if (python is null) { output.WriteLine("skipped: " + reason); return; }
        SpikingNetwork net = TrainedSnn(zooName, ResetMode.Hard);
        ImageDataset images = Strokes(40, net.InputShape, net.ClassNames.Count, seed: 12);
        string path = _dir.File($"{zooName}.nir");
        NirExporter.Save(path, net, new NirExportOptions(denseAsConv, plain));

        const int steps = 8;
        int[] ours = NirSemanticsReader.Simulate(net, images, steps);
        int[] theirs = NirSemanticsReader.Run(python, path, images, steps, _dir.Path);
        int agreeing = NirSemanticsReader.Agreeing(ours, theirs);
        output.WriteLine($"{zooName} (dense as conv {denseAsConv}, plain {plain}): {agreeing} of {images.Count} images agree; classes {string.Join(" ", ours)}");
        Assert.True(ours.Distinct().Count() > 1, "the test network should not give every image the same class");
        Assert.Equal(ours, theirs);
    }

    [Fact]
    public void Reader_of_NIR_semantics_runs_a_soft_reset_export_with_hard_reset()
    {
        // NIR's IF resets to v_reset; the soft reset is only in our metadata, which a reader following NIR ignores.
        string? python = NirSemanticsReader.FindPython(out string reason);
        if (python is null) { output.WriteLine("skipped: " + reason); return; }
        SpikingNetwork soft = TrainedSnn("mnist-seed", ResetMode.Soft);
        SpikingNetwork hard = soft with { Neuron = new NeuronModel(ResetMode.Hard, InitialMembrane.Zero) };
        ImageDataset images = Strokes(40, soft.InputShape, 10, seed: 14);
        string path = _dir.File("soft.nir");
        NirExporter.Save(path, soft);
        int[] theirs = NirSemanticsReader.Run(python, path, images, 8, _dir.Path);
        Assert.Equal(NirSemanticsReader.Simulate(hard, images, 8), theirs);
        Assert.NotEqual(NirSemanticsReader.Simulate(soft, images, 8), theirs);
    }

    /// <summary>
    /// The measurement behind docs/nir.md, opt-in: SNNCONVERT_NIR_CHECK names converted networks (.snn, separated by
    /// ';'), SNNCONVERT_NIR_IMAGES the test images for the round trip (default 1000), SNNCONVERT_NIR_READER_IMAGES those
    /// for tools/nir_simulate.py (default 300; hard-reset networks only), SNNCONVERT_NIR_STEPS the time steps (default 32).
    /// </summary>
    [Fact]
    public void Converted_networks_named_by_SNNCONVERT_NIR_CHECK_read_back_and_run_the_same()
    {
        string? list = Environment.GetEnvironmentVariable("SNNCONVERT_NIR_CHECK");
        if (string.IsNullOrEmpty(list)) { output.WriteLine("skipped: SNNCONVERT_NIR_CHECK names no .snn files"); return; }
        int count = Setting("SNNCONVERT_NIR_IMAGES", 1000), readerCount = Setting("SNNCONVERT_NIR_READER_IMAGES", 300), steps = Setting("SNNCONVERT_NIR_STEPS", 32);
        string? python = NirSemanticsReader.FindPython(out string reason);
        foreach (string snnPath in list.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            SpikingNetwork net = SnnFile.Load(snnPath);
            ImageDataset test = DatasetLoader.Load(net.Dataset!, "test", null).Take(count);
            int[] ours = NirSemanticsReader.Simulate(net, test, steps);
            int correct = Enumerable.Range(0, test.Count).Count(i => ours[i] == test.Label(i));
            output.WriteLine($"{snnPath}: {net.Neuron.Reset} reset, T = {steps}, {test.Count} test images, accuracy {100.0 * correct / test.Count:F2} %");
            foreach (var options in new[] { NirExportOptions.Default, new NirExportOptions(DenseAsConv: true), new NirExportOptions(Plain: true) })
            {
                string path = _dir.File($"{Path.GetFileNameWithoutExtension(snnPath)}-{options.DenseAsConv}-{options.Plain}.nir");
                NirExporter.Save(path, net, options);
                int[] back = NirSemanticsReader.Simulate(NirImporter.Load(path), test, steps);
                int same = NirSemanticsReader.Agreeing(ours, back);
                string line = $"  {options}: read back by SnnConvert, {same} of {test.Count} predictions identical";
                if (python is not null && net.Neuron.Reset == ResetMode.Hard)
                {
                    ImageDataset few = test.Take(readerCount);
                    int[] theirs = NirSemanticsReader.Run(python, path, few, steps, _dir.Path);
                    line += $"; tools/nir_simulate.py agrees on {NirSemanticsReader.Agreeing(ours[..few.Count], theirs)} of {few.Count}";
                    // A plain file reads back as the numbers in it (unit thresholds): the reader's float order and v > 1 against ours.
                    if (options.Plain) line += $" (with SnnConvert simulating the file's own numbers: {NirSemanticsReader.Agreeing(back[..few.Count], theirs)})";
                }
                output.WriteLine(line);
                if (!options.Plain || net.Neuron.Reset == ResetMode.Hard && net.Neuron.Initial == InitialMembrane.Zero) Assert.Equal(test.Count, same);
            }
        }
        if (python is null) output.WriteLine("tools/nir_simulate.py not run: " + reason);
    }

    /// <summary>
    /// A bundled trained model (models/NAME.snnm) converted with hard reset, thresholds by max-activation on noise
    /// images (trained weights make the classes differ between images, which random weights do not).
    /// </summary>
    internal static SpikingNetwork TrainedSnn(string name, ResetMode reset)
    {
        SavedModel model = ModelFile.Load(RepositoryFiles.Path($"models/{name}.snnm"));
        int[] shape = model.Network.InputShape;
        ImageDataset calibration = Strokes(20, shape, model.ClassNames.Count, seed: 21);
        return SnnConverter.Convert(model, new ConversionOptions
        {
            Method = ThresholdMethods.Create("max-activation"), CalibrationSteps = 8, Neuron = new NeuronModel(reset, InitialMembrane.Zero),
        }, calibration).Network;
    }

    /// <summary>Images of a few random bright strokes on a random dark background: unlike uniform noise, trained networks tell them apart.</summary>
    internal static ImageDataset Strokes(int count, int[] shape, int classes, int seed)
    {
        var rng = new Random(seed);
        int c = shape[0], h = shape[1], w = shape[2];
        var pixels = new byte[count * c * h * w];
        for (int i = 0; i < count; i++)
        {
            Span<byte> image = pixels.AsSpan(i * c * h * w, c * h * w);
            for (int p = 0; p < image.Length; p++) image[p] = (byte)rng.Next(40);
            for (int stroke = rng.Next(2, 6); stroke > 0; stroke--)
            {
                double x = rng.Next(w), y = rng.Next(h), angle = rng.NextDouble() * Math.PI * 2;
                var colour = Enumerable.Range(0, c).Select(_ => (byte)rng.Next(128, 256)).ToArray();
                for (int step = rng.Next(5, h); step > 0; step--, x += Math.Cos(angle), y += Math.Sin(angle))
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int px = (int)x + dx, py = (int)y + dy;
                            if (px < 0 || py < 0 || px >= w || py >= h) continue;
                            for (int ch = 0; ch < c; ch++) image[(ch * h + py) * w + px] = colour[ch];
                        }
            }
        }
        var labels = Enumerable.Range(0, count).Select(_ => (byte)rng.Next(classes)).ToArray();
        return new ImageDataset("test/strokes", pixels, labels, c, h, w, TestNets.Classes(classes));
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;
}
