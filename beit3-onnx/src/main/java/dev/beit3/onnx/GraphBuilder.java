package dev.beit3.onnx;

import com.google.protobuf.ByteString;
import dev.beit3.onnx.proto.Onnx.AttributeProto;
import dev.beit3.onnx.proto.Onnx.GraphProto;
import dev.beit3.onnx.proto.Onnx.NodeProto;
import dev.beit3.onnx.proto.Onnx.TensorProto;
import dev.beit3.onnx.proto.Onnx.TensorShapeProto;
import dev.beit3.onnx.proto.Onnx.TypeProto;
import dev.beit3.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one ONNX graph node by node: unique value names, initializers as little-endian raw bytes, and the
 * handful of composite operations BEiT-3 needs (linear layer, LayerNorm, exact GELU, L2 normalisation).
 * Shapes in comments: B batch, T tokens, D width, I/O a linear layer's input/output features.
 */
final class GraphBuilder {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;
    static final int INT8 = TensorProto.DataType.INT8_VALUE;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, Integer> counters = new HashMap<>();
    private long initializerBytes;

    GraphBuilder(String name) {
        graph.setName(name);
    }

    GraphProto build() {
        return graph.build();
    }

    /** Bytes of all initializers so far. */
    long initializerBytes() {
        return initializerBytes;
    }

    /** A fresh value name: the prefix plus a counter when the prefix was used before. */
    String fresh(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum);
        return n == 1 ? prefix : prefix + "_" + n;
    }

    // ------------------------------------------------------------------ graph inputs and outputs

    /** Declares a graph input; a dimension is a Long (fixed) or a String (symbolic, dynamic). */
    void input(String name, int elemType, Object... dims) {
        graph.addInput(valueInfo(name, elemType, dims));
    }

    /** Declares a graph output. */
    void output(String name, int elemType, Object... dims) {
        graph.addOutput(valueInfo(name, elemType, dims));
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(
                        TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    // ------------------------------------------------------------------ initializers

    String floats(String name, float[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return raw(name, FLOAT, b.array(), dims);
    }

    String longs(String name, long[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return raw(name, INT64, b.array(), dims);
    }

    String int8s(String name, byte[] data, long... dims) {
        return raw(name, INT8, data.clone(), dims);
    }

    /** A 1-D int64 constant, e.g. a shape or an axis list. */
    String ints(String name, long... values) {
        return longs(name, values, values.length);
    }

    /** A float scalar (0-d) constant. */
    String scalar(String name, float value) {
        return floats(name, new float[] {value});
    }

    private String raw(String name, int type, byte[] bytes, long... dims) {
        String n = fresh(name);
        TensorProto.Builder t = TensorProto.newBuilder().setName(n).setDataType(type).setRawData(ByteString.copyFrom(bytes));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        initializerBytes += bytes.length;
        return n;
    }

    // ------------------------------------------------------------------ nodes

    /** Adds a node with one output named after {@code out} and returns that name. */
    String op(String type, String out, List<String> inputs, AttributeProto... attributes) {
        return ops(type, new String[] {out}, inputs, attributes)[0];
    }

    /** Adds a node with several outputs and returns their names. */
    String[] ops(String type, String[] outs, List<String> inputs, AttributeProto... attributes) {
        String[] names = new String[outs.length];
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(type).addAllInput(inputs);
        for (int i = 0; i < outs.length; i++) {
            names[i] = fresh(outs[i]);
            n.addOutput(names[i]);
        }
        n.setName(names[0] + "/" + type);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return names;
    }

    static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    /** A one-element float tensor attribute (ConstantOfShape's value). */
    static AttributeProto attrTensor(String name, float value) {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR)
                .setT(TensorProto.newBuilder().setDataType(FLOAT).addDims(1).setRawData(ByteString.copyFrom(b.array())))
                .build();
    }

    static AttributeProto attrInts(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    // ------------------------------------------------------------------ composite operations

    /** LayerNormalization (opset 17) over the last axis. */
    String layerNorm(String x, float[] gamma, float[] beta, float eps, String name) {
        String g = floats(name + ".weight", gamma, gamma.length);
        String b = floats(name + ".bias", beta, beta.length);
        return op("LayerNormalization", name, List.of(x, g, b), attr("axis", -1L), attr("epsilon", eps));
    }

    /** Exact GELU: x · ½ · (1 + erf(x / √2)). */
    String gelu(String x, String name) {
        String r = op("Div", name + ".scaled", List.of(x, scalar("sqrt2", (float) Math.sqrt(2.0))));
        String e = op("Erf", name + ".erf", List.of(r));
        String p = op("Add", name + ".erf1", List.of(e, scalar("one", 1f)));
        String h = op("Mul", name + ".half", List.of(x, scalar("half", 0.5f)));
        return op("Mul", name, List.of(h, p));
    }

    /** x / max(‖x‖₂, 1e-12) over the last axis (torch.nn.functional.normalize). */
    String l2Normalize(String x, String name) {
        String n = op("ReduceL2", name + ".norm", List.of(x), attrInts("axes", -1), attr("keepdims", 1L));
        String c = op("Max", name + ".clamped", List.of(n, scalar("eps", 1e-12f)));
        return op("Div", name, List.of(x, c));
    }
}
