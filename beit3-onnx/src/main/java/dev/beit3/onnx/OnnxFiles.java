package dev.beit3.onnx;

import dev.beit3.onnx.proto.Onnx.GraphProto;
import dev.beit3.onnx.proto.Onnx.ModelProto;
import dev.beit3.onnx.proto.Onnx.OperatorSetIdProto;
import dev.beit3.onnx.proto.Onnx.StringStringEntryProto;
import dev.beit3.onnx.proto.Onnx.TensorProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Serialises a graph as an ONNX ModelProto file, optionally with its weights in an external data file. */
final class OnnxFiles {
    /** External tensors start at multiples of this (the page size the ONNX spec recommends for mmap). */
    static final int ALIGNMENT = 4096;
    /** Tensors smaller than this stay inside the graph (shape constants must be readable by shape inference). */
    static final int INLINE_BELOW = 1024;

    private OnnxFiles() {}

    /**
     * Writes {@code file} (and {@code file.data} when {@code external}) through temporary files moved into place.
     *
     * @return the external data file, or null
     */
    static Path write(GraphBuilder g, Map<String, String> metadata, Path file, boolean external) throws IOException {
        GraphProto graph = g.build();
        Path data = null;
        Path dir = file.toAbsolutePath().getParent();
        if (external) {
            data = file.resolveSibling(file.getFileName() + ".data");
            Path tmpData = Files.createTempFile(dir, "." + data.getFileName(), ".tmp");
            GraphProto.Builder gb = graph.toBuilder();
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmpData), 1 << 20)) {
                long offset = 0;
                for (int i = 0; i < gb.getInitializerCount(); i++) {
                    TensorProto t = gb.getInitializer(i);
                    if (t.getRawData().size() < INLINE_BELOW) {
                        continue;
                    }
                    long pad = (ALIGNMENT - offset % ALIGNMENT) % ALIGNMENT;
                    out.write(new byte[(int) pad]);
                    offset += pad;
                    t.getRawData().writeTo(out);
                    long len = t.getRawData().size();
                    gb.setInitializer(i, t.toBuilder().clearRawData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", data.getFileName().toString()))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Long.toString(len))));
                    offset += len;
                }
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmpData);
                throw e;
            }
            graph = gb.build();
            move(tmpData, data);
        }
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(OnnxExport.IR_VERSION)
                .setProducerName("beit3-java")
                .setProducerVersion(metadata.getOrDefault("beit3.library_version", ""))
                .setDomain("dev.beit3")
                .setModelVersion(1)
                .setDocString("BEiT-3 " + metadata.get("beit3.head") + " " + metadata.get("beit3.graph")
                        + " exported by beit3-java from " + metadata.get("beit3.checkpoint"))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExport.OPSET))
                .setGraph(graph);
        metadata.forEach((k, v) -> m.addMetadataProps(entry(k, v)));
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                m.build().writeTo(out);
            }
            move(tmp, file);
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!external) {
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".data"));
        }
        return data;
    }

    /** Reads the metadata_props of an ONNX file (the graph's weights are skipped only by protobuf's parse). */
    static Map<String, String> metadata(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            ModelProto m = ModelProto.parseFrom(in);
            Map<String, String> out = new LinkedHashMap<>();
            for (StringStringEntryProto e : m.getMetadataPropsList()) {
                out.put(e.getKey(), e.getValue());
            }
            return out;
        }
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
