using PureHDF;
using SnnConvert.Data;
using SnnConvert.Snn;

namespace SnnConvert.Tests.Nir;

/// <summary>
/// tools/nir_simulate.py (a reader of NIR's semantics written from the specification, in Python with h5py and numpy)
/// run on a NIR file, and SnnConvert's own per-image predictions to compare it with.
/// </summary>
internal static class NirSemanticsReader
{
    /// <summary>A python3 with h5py and numpy (Debian's python3-h5py), or null with the reason in <paramref name="reason"/>.</summary>
    public static string? FindPython(out string reason)
    {
        foreach (string python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (ChildProcess.Run(python, 60, "-c", "import h5py, numpy").Code == 0) { reason = ""; return python; }
            }
            catch (System.ComponentModel.Win32Exception) { }   // no such interpreter
        }
        reason = "no python3 with h5py and numpy (Debian: apt-get install python3-h5py)";
        return null;
    }

    /// <summary>The class tools/nir_simulate.py gives each image after <paramref name="steps"/> steps of direct input.</summary>
    public static int[] Run(string python, string nirPath, ImageDataset images, int steps, string directory)
    {
        string imagesPath = Path.Combine(directory, $"images-{Guid.NewGuid():N}.h5");
        var pixels = new byte[images.Count * images.ImageSize];
        for (int i = 0; i < images.Count; i++) images.Pixels(i).CopyTo(pixels.AsSpan(i * images.ImageSize));
        new H5File { ["pixels"] = new H5Dataset(pixels, fileDims: [(ulong)images.Count, (ulong)images.Channels, (ulong)images.Height, (ulong)images.Width]) }.Write(imagesPath);
        var (code, stdout, stderr) = ChildProcess.Run(python, 1800, RepositoryFiles.Path("tools/nir_simulate.py"), nirPath, imagesPath,
            "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (code != 0) throw new InvalidOperationException($"nir_simulate.py exited {code}: {stderr}");
        int[] predictions = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        if (predictions.Length != images.Count) throw new InvalidOperationException($"nir_simulate.py gave {predictions.Length} predictions for {images.Count} images");
        return predictions;
    }

    /// <summary>SnnConvert's class per image after <paramref name="steps"/> steps of direct input (what simulate counts).</summary>
    public static int[] Simulate(SpikingNetwork net, ImageDataset data, int steps)
    {
        int batch = Math.Min(100, Math.Max(1, data.Count));
        int block = SnnBlockRunner.BlockSteps(net, batch, steps);
        var runner = new SnnBlockRunner(net, batch, block, InputEncoding.Direct, net.Readout, SynapseEngine.Auto);
        var predictions = new int[data.Count];
        for (int start = 0; start < data.Count; start += batch)
        {
            int n = Math.Min(batch, data.Count - start);
            runner.Start(data, start, n, seed: 1);
            for (int t0 = 0; t0 < steps; t0 += block) runner.Run(Math.Min(block, steps - t0));
            for (int i = 0; i < n; i++) predictions[start + i] = runner.Prediction(runner.Steps - 1, i);
        }
        return predictions;
    }

    /// <summary>Images on which the two prediction lists agree.</summary>
    public static int Agreeing(int[] a, int[] b) => a.Zip(b).Count(p => p.First == p.Second);
}
