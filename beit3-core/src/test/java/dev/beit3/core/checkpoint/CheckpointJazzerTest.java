package dev.beit3.core.checkpoint;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzz targets (Jazzer) for the untrusted-bytes parsers of checkpoints. A plain
 * {@code mvn verify} replays the committed corpus in
 * {@code src/test/resources/dev/beit3/core/checkpoint/CheckpointJazzerTestInputs/}; to fuzz, run one target at
 * a time with {@code JAZZER_FUZZ=1}, e.g.
 * {@code JAZZER_FUZZ=1 mvn -B -o -pl beit3-core -am test -Dtest=CheckpointJazzerTest#pickleNeverEscapes
 * -Dsurefire.failIfNoSpecifiedTests=false -Dgroups=fuzz}. Every input must end in a result or a typed
 * refusal; anything else (another exception, an error, a hang past the per-input limit) is a finding.
 * The seeded mutation campaigns of {@link CheckpointFuzzTest} complement this with deterministic runs.
 */
@Tag("fuzz")
class CheckpointJazzerTest {

    @FuzzTest(maxDuration = "10s")
    void pickleNeverEscapes(byte[] data) {
        try {
            Object top = RestrictedUnpickler.load(data, "fuzz input");
            StateDicts.assemble(top, "fuzz input", (name, ref) -> new TensorData(name, ref.storage().dtype(),
                    new long[] {0}, java.nio.ByteBuffer.allocate(0)));
        } catch (CheckpointException expected) {
            // a typed refusal is a correct answer
        }
    }

    @FuzzTest(maxDuration = "10s")
    void checkpointFileNeverEscapes(byte[] data) throws IOException {
        Path f = Files.createTempFile("jazzer", ".bin");
        try {
            Files.write(f, data);
            Checkpoint c = Checkpoint.read(f);
            c.tensors().values().forEach(TensorData::numel);
        } catch (CheckpointException expected) {
            // a typed refusal is a correct answer
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Reliability II: the strict safetensors header parser (UTF-8, RFC 8259, unique keys) alone. */
    @FuzzTest(maxDuration = "10s")
    void safetensorsHeaderNeverEscapes(byte[] data) {
        try {
            SafeTensors.strictHeader(data, Path.of("fuzz.safetensors"));
        } catch (CheckpointException expected) {
            // a typed refusal is a correct answer
        }
    }

    /** Reliability II: the zip cross-check (duplicate names, central/local disagreements, overlaps) alone. */
    @FuzzTest(maxDuration = "10s")
    void zipDirectoryNeverEscapes(byte[] data) throws IOException {
        Path f = Files.createTempFile("jazzer", ".zip");
        try {
            Files.write(f, data);
            ZipDirectory.check(f);
        } catch (CheckpointException expected) {
            // a typed refusal is a correct answer
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
