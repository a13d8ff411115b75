using SnnConvert.Conversion;
using SnnConvert.Data;
using SnnConvert.Models;
using SnnConvert.Nir;
using SnnConvert.Snn;

// Usage: ApiExample [MODEL.snnm] [OUTPUT-FOLDER]
string modelPath = args.Length > 0 ? args[0] : "models/mnist-seed.snnm";
string outputFolder = args.Length > 1 ? args[1] : ".";

// 1. A trained CNN and its dataset (found in --data-dir, $SNNCONVERT_DATA, the cache, ...; see the README).
SavedModel model = ModelFile.Load(modelPath);
ImageDataset train = DatasetLoader.Load("mnist", "train", dataDir: null);
ImageDataset test = DatasetLoader.Load("mnist", "test", dataDir: null).Take(300);

// 2. Convert with the seed method (max-current: per-channel thresholds from the largest input current),
//    calibrating on 500 training images for 32 steps.
var options = new ConversionOptions { Method = new MaxCurrentThresholds(), CalibrationSamples = 500, CalibrationSteps = 32, Seed = 1 };
var (snn, warnings) = SnnConverter.Convert(model, options, train);
foreach (string warning in warnings) Console.WriteLine($"warning: {warning}");

// 3. Simulate: one run of 64 steps gives the accuracy after every step.
SimulationResult result = SnnSimulator.Run(snn, test, new SimulationOptions(Steps: 64));
foreach (int t in new[] { 8, 16, 32, 64 })
    Console.WriteLine($"T = {t,2}: accuracy {result.Accuracy(t):F2} %, {result.SpikesPerImage(t):F0} spikes per image");

// 4. Save it for `snnconvert simulate`, and as a NIR graph for other simulators and neuromorphic hardware.
SnnFile.Save(Path.Combine(outputFolder, "mnist-seed.snn"), snn);
NirExporter.Save(Path.Combine(outputFolder, "mnist-seed.nir"), snn);
