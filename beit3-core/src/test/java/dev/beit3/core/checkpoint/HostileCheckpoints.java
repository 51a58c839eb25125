package dev.beit3.core.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Test helper for other modules' tests (in the beit3-core test-jar): small hostile checkpoint files of the Reliability
 * II defect classes, built here rather than taken from any fixture set.
 */
public final class HostileCheckpoints {
    private HostileCheckpoints() {}

    /**
     * A {@code torch.save} archive whose state dict holds {@code views} views of {@code elements} floats each, all
     * with stride 0 over one 4-byte storage (each under the per-tensor cap, together far over the budget).
     *
     * @param views number of views
     * @param elements elements per view
     * @param name the name of every view, with its index appended
     * @return the archive bytes
     */
    public static byte[] zeroStridePth(int views, long elements, String name) {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        for (int i = 0; i < views; i++) {
            p.str(name + i).tensor("FloatStorage", "0", 1, 0, new long[] {elements}, new long[] {0});
        }
        return ZipWriter.torch(p.setitems().stop().bytes(), floats(1)).bytes();
    }

    /**
     * A valid {@code torch.save} archive of one-float tensors with the given names (which may hold control characters).
     *
     * @param names the state-dict keys
     * @return the archive bytes
     */
    public static byte[] namedPth(List<String> names) {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        for (int i = 0; i < names.size(); i++) {
            p.str(names.get(i)).tensor("FloatStorage", String.valueOf(i), 1, 0, new long[] {1}, new long[] {1});
        }
        byte[][] storages = new byte[names.size()][];
        for (int i = 0; i < storages.length; i++) {
            storages[i] = floats(1);
        }
        return ZipWriter.torch(p.setitems().stop().bytes(), storages).bytes();
    }

    /**
     * A valid safetensors file of one-float F32 tensors with the given names (JSON-escaped in the header).
     *
     * @param names the tensor names
     * @return the file bytes
     */
    public static byte[] namedSafetensors(List<String> names) {
        JsonObject h = new JsonObject();
        for (int i = 0; i < names.size(); i++) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            shape.add(1);
            t.add("shape", shape);
            JsonArray offs = new JsonArray();
            offs.add(4 * i);
            offs.add(4 * i + 4);
            t.add("data_offsets", offs);
            h.add(names.get(i), t);
        }
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        o.writeBytes(json);
        o.writeBytes(floats(names.size()));
        return o.toByteArray();
    }

    /**
     * A {@code torch.save} archive with two storage entries named {@code archive/data/0}: PyTorch would read the
     * first (1.0), a last-entry-wins reader the second (NaN).
     *
     * @return the archive bytes
     */
    public static byte[] duplicateEntryPth() {
        byte[] pickle = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).setitem().stop().bytes();
        return new ZipWriter().stored("archive/data.pkl", pickle).stored("archive/data/0", floats(1))
                .stored("archive/data/0", new byte[] {0, 0, (byte) 0xc0, 0x7f})
                .stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII)).bytes();
    }

    private static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(1f);
        }
        return b.array();
    }
}
