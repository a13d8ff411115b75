#!/usr/bin/env python3
"""Writes the hand-built ONNX test fixtures of tests/fixtures/onnx/ (run once; the .onnx files are committed).

The graphs have the shapes that keras2onnx, tf2onnx, CNTK and PyTorch 2.x (opsets 19-21) write, which torch 1.13
cannot export; they are built node by node with the `onnx` package's helper (Debian's python3-onnx 1.12):
    /usr/bin/python3 tools/make_onnx_graph_fixtures.py tests/fixtures/onnx
onnx 1.12 knows opsets up to 17, so the opset 19-21 files set opset_import and ir_version by hand and are not
passed through onnx.checker (the others are). Weights are random from a fixed seed; the tests compare
SnnConvert's import of each file with ONNX Runtime, so they need not be trained.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(20261203)


def weight(name, *shape, scale=0.3):
    return numpy_helper.from_array((RNG.standard_normal(shape) * scale).astype(np.float32), name)


def ints(name, *values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def save(graph, path, opset, ir_version=None, check=True):
    model = helper.make_model(graph, producer_name="snnconvert-fixtures", opset_imports=[helper.make_opsetid("", opset)])
    if ir_version is not None:
        model.ir_version = ir_version
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"{path}: opset {opset}, {os.path.getsize(path)} bytes")


def keras_nhwc():
    """keras2onnx: an (N, 28, 28, 1) input, Rescaling(1/255) as Mul, Transpose to NCHW, 'same' conv and pooling
    (auto_pad SAME_UPPER / SAME_LOWER where the pooling padding is zero), Keras Flatten (Transpose to NHWC), Dense as
    MatMul + Add, softmax activation. The model expects 0-255 pixels: --input-scale 255."""
    nodes = [
        helper.make_node("Mul", ["input_1", "rescale"], ["scaled"], name="rescaling/mul"),
        helper.make_node("Transpose", ["scaled"], ["nchw"], perm=[0, 3, 1, 2], name="adjusted_input"),
        helper.make_node("Conv", ["nchw", "conv_W", "conv_B"], ["conv"], kernel_shape=[3, 3], auto_pad="SAME_UPPER", name="conv2d"),
        helper.make_node("Relu", ["conv"], ["relu"], name="conv2d/Relu"),
        helper.make_node("AveragePool", ["relu"], ["pool1"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_UPPER", name="average_pooling2d"),
        helper.make_node("AveragePool", ["pool1"], ["pool2"], kernel_shape=[2, 2], strides=[2, 2], auto_pad="SAME_LOWER", name="average_pooling2d_1"),
        helper.make_node("Transpose", ["pool2"], ["nhwc"], perm=[0, 2, 3, 1], name="flatten/transpose"),
        helper.make_node("Flatten", ["nhwc"], ["flat"], axis=1, name="flatten"),
        helper.make_node("MatMul", ["flat", "dense_W"], ["mm"], name="dense/MatMul"),
        helper.make_node("Add", ["mm", "dense_B"], ["logits"], name="dense/BiasAdd"),
        helper.make_node("Softmax", ["logits"], ["dense"], axis=-1, name="dense/Softmax"),
    ]
    inits = [numpy_helper.from_array(np.array(1 / 255, dtype=np.float32), "rescale"),
             weight("conv_W", 4, 1, 3, 3), weight("conv_B", 4, scale=0.1),
             weight("dense_W", 7 * 7 * 4, 10, scale=0.2), weight("dense_B", 10, scale=0.1)]
    graph = helper.make_graph(nodes, "keras_nhwc", [helper.make_tensor_value_info("input_1", TensorProto.FLOAT, ["N", 28, 28, 1])],
                              [helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["N", 10])], inits)
    return graph


def tf2onnx_reshape():
    """tf2onnx (opset 8): an (N, 28, 28, 1) input reshaped to [-1, 1, 28, 28]; Clip(min 0) in the attribute form of
    opsets before 11 as the ReLU; a reshape to [-1, 144]; Gemm; extra graph outputs: the conv activation
    ("features") and the probabilities after a Softmax ("probs") beside the logits."""
    nodes = [
        helper.make_node("Reshape", ["x:0", "to_nchw"], ["img"], name="Reshape"),
        helper.make_node("Conv", ["img", "conv_W", "conv_B"], ["conv"], kernel_shape=[5, 5], name="conv2d/Conv2D"),
        helper.make_node("Clip", ["conv"], ["features"], min=0.0, name="Relu"),
        helper.make_node("AveragePool", ["features"], ["pool"], kernel_shape=[4, 4], strides=[4, 4], name="avg_pool"),
        helper.make_node("Reshape", ["pool", "to_flat"], ["flat"], name="flatten/Reshape"),
        helper.make_node("Gemm", ["flat", "dense_W", "dense_B"], ["logits"], name="dense/MatMul"),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1, name="Softmax"),
    ]
    inits = [ints("to_nchw", -1, 1, 28, 28), ints("to_flat", -1, 144),
             weight("conv_W", 4, 1, 5, 5), weight("conv_B", 4, scale=0.1),
             weight("dense_W", 144, 10, scale=0.2), weight("dense_B", 10, scale=0.1)]
    outputs = [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["unk__1", 4, 24, 24]),
               helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["unk__1", 10]),
               helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["unk__1", 10])]
    graph = helper.make_graph(nodes, "tf2onnx", [helper.make_tensor_value_info("x:0", TensorProto.FLOAT, ["unk__1", 28, 28, 1])], outputs, inits)
    return graph


def cntk():
    """CNTK (opset 7): convolution weight stored flat and reshaped in the graph, its bias as a separate Add of a
    (C, 1, 1) constant, BatchNormalization with spatial 1 (opset 7), the dense weight transposed in the graph
    (constant Transpose) and its bias as an Add after MatMul."""
    nodes = [
        helper.make_node("Reshape", ["W_flat", "W_shape"], ["W"], name="Parameter4_reshape"),
        helper.make_node("Conv", ["Input3", "W"], ["conv"], kernel_shape=[3, 3], pads=[0, 0, 0, 0], strides=[1, 1], group=1, name="Convolution28"),
        helper.make_node("Add", ["conv", "conv_b"], ["plus"], name="Plus30"),
        helper.make_node("BatchNormalization", ["plus", "bn_scale", "bn_B", "bn_mean", "bn_var"], ["bn"], epsilon=1e-5, momentum=0.9, spatial=1, name="BatchNormalization32"),
        helper.make_node("Relu", ["bn"], ["relu"], name="ReLU32"),
        helper.make_node("AveragePool", ["relu"], ["pool1"], kernel_shape=[2, 2], strides=[2, 2], name="Pooling66"),
        helper.make_node("AveragePool", ["pool1"], ["pool2"], kernel_shape=[2, 2], strides=[2, 2], name="Pooling160"),
        helper.make_node("Flatten", ["pool2"], ["flat"], axis=1, name="Times212_reshape0"),
        helper.make_node("Transpose", ["Wd_T"], ["Wd"], perm=[1, 0], name="Parameter193_transpose"),
        helper.make_node("MatMul", ["flat", "Wd"], ["times"], name="Times212"),
        helper.make_node("Add", ["times", "bd"], ["Plus214_Output_0"], name="Plus214"),
    ]
    bn_var = numpy_helper.from_array((RNG.random(4) * 2 + 0.2).astype(np.float32), "bn_var")
    inits = [weight("W_flat", 4, 9), ints("W_shape", 4, 1, 3, 3), weight("conv_b", 4, 1, 1, scale=0.1),
             numpy_helper.from_array((RNG.random(4) + 0.5).astype(np.float32), "bn_scale"), weight("bn_B", 4, scale=0.2),
             weight("bn_mean", 4, scale=0.5), bn_var, weight("Wd_T", 10, 4 * 6 * 6, scale=0.2), weight("bd", 10, scale=0.1)]
    graph = helper.make_graph(nodes, "CNTKGraph", [helper.make_tensor_value_info("Input3", TensorProto.FLOAT, [1, 1, 28, 28])],
                              [helper.make_tensor_value_info("Plus214_Output_0", TensorProto.FLOAT, [1, 10])], inits)
    return graph


def modern(opset):
    """PyTorch 2.x at opsets 19-21: Conv, Relu, AveragePool, Flatten, Gemm, a final LogSoftmax."""
    nodes = [
        helper.make_node("Conv", ["input", "conv.weight", "conv.bias"], ["/conv/Conv_output_0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1, name="/conv/Conv"),
        helper.make_node("Relu", ["/conv/Conv_output_0"], ["/relu/Relu_output_0"], name="/relu/Relu"),
        helper.make_node("AveragePool", ["/relu/Relu_output_0"], ["/pool/AveragePool_output_0"], kernel_shape=[4, 4], strides=[4, 4], pads=[0, 0, 0, 0], ceil_mode=0, count_include_pad=1, name="/pool/AveragePool"),
        helper.make_node("Flatten", ["/pool/AveragePool_output_0"], ["/Flatten_output_0"], axis=1, name="/Flatten"),
        helper.make_node("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], ["/fc/Gemm_output_0"], alpha=1.0, beta=1.0, transB=1, name="/fc/Gemm"),
        helper.make_node("LogSoftmax", ["/fc/Gemm_output_0"], ["output"], axis=1, name="/LogSoftmax"),
    ]
    inits = [weight("conv.weight", 6, 1, 3, 3), weight("conv.bias", 6, scale=0.1), weight("fc.weight", 10, 6 * 7 * 7, scale=0.2), weight("fc.bias", 10, scale=0.1)]
    return helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])],
                             [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])], inits)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    os.makedirs(out, exist_ok=True)
    save(keras_nhwc(), os.path.join(out, "keras-nhwc-opset9.onnx"), 9)
    save(tf2onnx_reshape(), os.path.join(out, "tf2onnx-reshape-opset8.onnx"), 8)
    save(cntk(), os.path.join(out, "cntk-opset7.onnx"), 7)
    # IR version 9 is what opsets 19 and 20 need, 10 what opset 21 needs; onnx 1.12's checker knows neither.
    for opset, ir in ((19, 9), (20, 9), (21, 10)):
        save(modern(opset), os.path.join(out, f"pytorch2-opset{opset}.onnx"), opset, ir_version=ir, check=False)


if __name__ == "__main__":
    main()
