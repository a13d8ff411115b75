using System.Globalization;
using SnnConvert.Conversion;
using SnnConvert.Errors;
using SnnConvert.Layers;
using SnnConvert.Models;
using SnnConvert.Snn;

namespace SnnConvert.Reporting;

/// <summary>
/// The row a reproduction adds for a QCFS version of its CNN (issue 19): the same architecture with its ReLUs replaced
/// by QCFS activations and trained so (Bu et al. 2022, ICLR), converted with <see cref="QcfsThresholds"/> (theta =
/// the trained lambda, v(0) = theta/2, no calibration image) and simulated on the run's test images and latencies. Its
/// conversion loss, agreement and energy ratio are relative to that CNN, whose accuracy the results carry
/// (<see cref="MethodResult.Cnn"/>).
/// </summary>
public static class QcfsRow
{
    /// <summary>The row's label: "qcfs L=8" (levels joined by "/" when the layers differ).</summary>
    public static string Label(Network qcfs) =>
        "qcfs L=" + string.Join("/", qcfs.Architecture.OfType<QcfsSpec>().Select(q => q.Levels).Distinct().Select(l => l.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Why <paramref name="qcfs"/> cannot be a row of a run of <paramref name="options"/> on <paramref name="cnn"/>, or null
    /// when it can: it must have QCFS activations, take the CNN's input, give its classes and cost its MACs (the same
    /// architecture, so that both share the CNN's energy), and the run must simulate soft-reset neurons read out by
    /// their membrane (what the QCFS activation is the rate of).
    /// </summary>
    public static string? Problem(SavedModel cnn, SavedModel qcfs, ReproductionOptions options)
    {
        Network q = qcfs.Network, c = cnn.Network;
        if (!ThresholdMethods.HasQcfs(q)) return $"{q.Name} has no QCFS activation; give a network trained with QCFS activations";
        if (!q.InputShape.SequenceEqual(c.InputShape) || q.ClassCount != c.ClassCount || q.Macs != c.Macs)
            return $"{q.Name} (input {string.Join("x", q.InputShape)}, {q.ClassCount} classes, {q.Macs:N0} MACs) is not {c.Name} with QCFS activations " +
                   $"(input {string.Join("x", c.InputShape)}, {c.ClassCount} classes, {c.Macs:N0} MACs); give the QCFS version of the converted CNN";
        if ((options.Neuron ?? new NeuronModel()).Reset != ResetMode.Soft || (options.Readout ?? Readout.Membrane) != Readout.Membrane)
            return "the QCFS activation is the rate of soft-reset IF neurons with membrane readout; this run simulates others";
        return null;
    }

    /// <summary>The row converting <paramref name="qcfs"/> (read from <paramref name="path"/>) beside the run's methods.</summary>
    /// <exception cref="InvalidSettingException">It cannot be a row of this run (<see cref="Problem"/>).</exception>
    public static MethodVariant Create(SavedModel cnn, SavedModel qcfs, string path, ReproductionOptions options)
    {
        if (Problem(cnn, qcfs, options) is { } problem) throw new InvalidSettingException(SettingNames.QcfsModel, $"{path}: {problem}");
        return new MethodVariant(Label(qcfs.Network), ThresholdMethods.Create(ThresholdMethods.Qcfs), Model: new RowCnn(qcfs, path));
    }

    /// <summary><paramref name="options"/> with the row of <paramref name="qcfs"/> after its methods (<see cref="Create"/>).</summary>
    public static ReproductionOptions Add(ReproductionOptions options, SavedModel cnn, SavedModel qcfs, string path) =>
        options with { Methods = [.. options.Methods, Create(cnn, qcfs, path, options)] };
}
