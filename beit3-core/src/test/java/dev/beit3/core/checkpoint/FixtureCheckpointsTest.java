package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads every checkpoint of the fixture set ({@code -Dbeit3.fixtures}) and checks it against its
 * {@code checkpoint.json} (keys, order, shapes, dtypes, sha256) and against the raw storage bytes of
 * the zip, opened independently here.
 */
class FixtureCheckpointsTest {

    static Stream<Path> checkpoints() {
        return CheckpointFiles.all().stream();
    }

    @Test
    void fixtureSetHasCheckpoints() {
        assertThat(CheckpointFiles.all()).as("checkpoints under " + Fixtures.root()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void matchesManifestAndRawStorage(Path file) throws Exception {
        Checkpoint c = Checkpoint.read(file);
        assertThat(c.format()).isEqualTo(Checkpoint.Format.PTH);
        assertThat(c.source()).isEqualTo(file);

        Path manifest = CheckpointFiles.manifest(file);
        if (Files.isRegularFile(manifest)) {
            JsonObject m = Fixtures.json(manifest);
            JsonArray keys = m.getAsJsonArray("state_dict_keys");
            List<String> expectedOrder = new ArrayList<>();
            for (JsonElement k : keys) {
                JsonArray e = k.getAsJsonArray();
                String name = e.get(0).getAsString();
                expectedOrder.add(name);
                TensorData t = c.tensors().get(name);
                assertThat(t).as(name).isNotNull();
                long[] shape = new long[e.get(1).getAsJsonArray().size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.get(1).getAsJsonArray().get(i).getAsLong();
                }
                assertThat(t.shape()).as(name + " shape").containsExactly(shape);
                assertThat(t.dtype().pythonName()).as(name + " dtype").isEqualTo(e.get(2).getAsString());
            }
            assertThat(new ArrayList<>(c.tensors().keySet())).as("keys in file order").isEqualTo(expectedOrder);
            if (m.has("num_tensors")) {
                assertThat(c.tensors()).hasSize(m.get("num_tensors").getAsInt());
            }
            if (m.has("sha256")) {
                assertThat(c.sha256()).isEqualTo(m.get("sha256").getAsString());
            }
            if (m.has("top_level_keys")) {
                List<String> top = new ArrayList<>();
                m.getAsJsonArray("top_level_keys").forEach(x -> top.add(x.getAsString()));
                assertThat(top).contains(c.stateDictLocation());
            } else if (m.has("top_level")) {
                assertThat(c.stateDictLocation()).isEmpty();
            }
        }
        assertThat(c.sha256()).isEqualTo(sha256(file));

        int compared = compareWithRawStorages(file, c);
        assertThat(compared).isPositive();
        System.out.printf("checkpoint %s: %d tensors, %d parameters, OK%n", CheckpointFiles.baseName(file),
                c.tensors().size(), c.parameterCount());
    }

    /**
     * Independent check of the bytes: opens the zip here and compares each tensor with the raw bytes
     * of its storage entry at its offset. The reader tells which entry; torch.save numbers storages
     * "0", "1", ... in order of first use, so in these fixtures (one storage per tensor) the i-th
     * state-dict tensor lives in {@code data/i}, which is checked too.
     */
    private static int compareWithRawStorages(Path file, Checkpoint c) throws IOException {
        int compared = 0;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
            String folder = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            int index = 0;
            for (Map.Entry<String, TensorData> e : c.tensors().entrySet()) {
                TensorData t = e.getValue();
                Checkpoint.Origin o = c.origins().get(e.getKey());
                assertThat(o).as("origin of " + e.getKey()).isNotNull();
                assertThat(o.entry()).as("storage entry of " + e.getKey()).isEqualTo(folder + "data/" + index);
                assertThat(o.contiguous()).isTrue();
                ZipEntry z = zip.getEntry(o.entry());
                byte[] raw;
                try (InputStream in = zip.getInputStream(z)) {
                    raw = in.readAllBytes();
                }
                int len = Math.toIntExact(t.numel() * t.dtype().byteSize());
                assertThat(ByteBuffer.wrap(raw, (int) o.byteOffset(), len).slice())
                        .as("bytes of " + e.getKey()).isEqualTo(t.data());
                compared++;
                index++;
            }
        }
        return compared;
    }

    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(Files.readAllBytes(file));
        return HexFormat.of().formatHex(md.digest());
    }
}
