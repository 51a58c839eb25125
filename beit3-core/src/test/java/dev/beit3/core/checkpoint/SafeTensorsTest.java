package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Safetensors: round trip of every fixture checkpoint, the on-disk layout, and malformed files. */
class SafeTensorsTest {

    @TempDir
    Path dir;

    static Stream<Path> checkpoints() {
        return CheckpointFiles.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void roundTripKeepsKeysOrderAndBytes(Path file) throws IOException {
        Checkpoint c = Checkpoint.read(file);
        Path out = dir.resolve(CheckpointFiles.baseName(file) + ".safetensors");
        SafeTensors.write(out, c.tensors(), Map.of("source", file.getFileName().toString()));
        Checkpoint back = Checkpoint.read(out);
        assertThat(back.format()).isEqualTo(Checkpoint.Format.SAFETENSORS);
        assertThat(back.stateDictLocation()).isEmpty();
        assertThat(back.extras()).isEqualTo(Map.of("source", file.getFileName().toString()));
        assertThat(new ArrayList<>(back.tensors().keySet())).isEqualTo(new ArrayList<>(c.tensors().keySet()));
        for (String k : c.tensors().keySet()) {
            TensorData a = c.tensors().get(k);
            TensorData b = back.tensors().get(k);
            assertThat(b.dtype()).isEqualTo(a.dtype());
            assertThat(b.shape()).containsExactly(a.shape());
            assertThat(b.data()).as(k).isEqualTo(a.data());
            assertThat(b).isEqualTo(a);
        }
        assertThat(SafeTensors.read(out).tensors()).hasSize(c.tensors().size());
    }

    @Test
    void layoutFollowsTheSpecification() throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("b", new TensorData("b", DType.FLOAT32, new long[] {2}, le(4 * 2).putFloat(1.5f).putFloat(-2f).flip()));
        t.put("a", new TensorData("a", DType.INT64, new long[] {}, le(8).putLong(42).flip()));
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, t, Map.of());
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8).strip();
        assertThat(header).isEqualTo("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}");
        assertThat(bytes.length).isEqualTo(8 + n + 16);
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 16).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getFloat()).isEqualTo(1.5f);
        assertThat(data.getFloat()).isEqualTo(-2f);
        assertThat(data.getLong()).isEqualTo(42);
        Checkpoint c = Checkpoint.read(f);
        assertThat(c.tensors().get("a").toLongs()).containsExactly(42);
        assertThat(c.tensors().get("a").shape()).isEmpty();
    }

    @Test
    void detectionIsByMagicNotExtension() throws IOException {
        Path pth = CheckpointFiles.all().get(0);
        Path renamed = Files.copy(pth, dir.resolve("model.safetensors"));
        assertThat(Checkpoint.read(renamed).format()).isEqualTo(Checkpoint.Format.PTH);
        Path st = dir.resolve("weights.pth");
        SafeTensors.write(st, Checkpoint.read(pth).tensors(), null);
        assertThat(Checkpoint.read(st).format()).isEqualTo(Checkpoint.Format.SAFETENSORS);
        assertThatThrownBy(() -> SafeTensors.read(renamed)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not safetensors");
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Path raw(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = le(8 + h.length + dataBytes);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve("bad.safetensors"), b.array());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}|16|shape × itemsize",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}|8|outside the data area",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}|16|outside the data area",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}|16|overlap",
        "{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}|8|unsupported dtype Q7",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}|8|not a non-negative integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}|8|not a non-negative integer",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}|8|data_offsets",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776,4],\"data_offsets\":[0,8]}}|8|overflow",
        "{\"w\":[1,2]}|8|not an object",
        "{\"__metadata__\":{\"a\":1}}|0|not a string",
        "{\"w\":{\"dtype\":\"F32\",|8|not valid JSON",
    })
    void malformedFilesAreRefused(String spec) throws IOException {
        String[] p = spec.split("\\|");
        Path f = raw(p[0], Integer.parseInt(p[1]));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining(p[2]);
    }

    @Test
    void absurdHeaderLengthIsRefused() throws IOException {
        ByteBuffer b = le(16).putLong(1L << 40).put("{\"a\":1}".getBytes(StandardCharsets.US_ASCII));
        Path f = Files.write(dir.resolve("big.safetensors"), b.array());
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("header");
    }

    @Test
    void truncatedConvertedFileIsRefused() throws IOException {
        Path f = dir.resolve("t.safetensors");
        SafeTensors.write(f, Checkpoint.read(CheckpointFiles.all().get(0)).tensors(), null);
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 10));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("outside the data area");
    }
}
