package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .pth and safetensors writers: our reader reads every tensor back bit-exactly. */
class CheckpointWriterTest {

    @Test
    void pthAndSafetensorsRoundTripBitExactly(@TempDir Path tmp) throws Exception {
        List<Path> sources = new ArrayList<>();
        TrainingCase.all().stream().filter(TrainingCase::fineTuning).findFirst().ifPresent(c -> sources.add(c.checkpoint()));
        Fixtures.trainingStateCheckpoint(Fixtures.root()).ifPresent(sources::add);
        assertThat(sources).isNotEmpty();
        for (Path src : sources) {
            Checkpoint in = Checkpoint.read(src);
            Path pth = tmp.resolve(src.getFileName() + ".out.pth");
            CheckpointWriter.writePth(pth, in.tensors());
            Checkpoint back = Checkpoint.read(pth);
            assertThat(back.format()).isEqualTo(Checkpoint.Format.PTH);
            assertThat(back.stateDictLocation()).isEqualTo("model");
            same(in.tensors(), back.tensors());
            dataEntriesAligned(pth);
            String keep = System.getenv("BEIT3_TRAIN_KEEP"); // optional: keep the files for inspection
            if (keep != null) {
                Files.copy(pth, Path.of(keep).resolve(pth.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }

            Path st = tmp.resolve(src.getFileName() + ".out.safetensors");
            CheckpointWriter.writeSafetensors(st, in.tensors(), Map.of("format", "pt"));
            same(in.tensors(), Checkpoint.read(st).tensors());
            System.out.printf("training .pth round trip %-28s %d tensors, %d bytes%n", src.getFileName(),
                    back.tensors().size(), Files.size(pth));
        }
    }

    @Test
    void trainedParametersRoundTrip(@TempDir Path tmp) throws Exception {
        TrainingCase c = TrainingCase.all().get(0);
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root)) {
            Map<String, TensorData> snap = m.parameters().snapshot();
            Path pth = tmp.resolve("trained.pth");
            CheckpointWriter.writePth(pth, snap);
            same(snap, Checkpoint.read(pth).tensors());
        }
    }

    private static void same(Map<String, TensorData> a, Map<String, TensorData> b) {
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        for (String k : a.keySet()) {
            TensorData x = a.get(k);
            TensorData y = b.get(k);
            assertThat(y.dtype()).as(k).isEqualTo(x.dtype());
            assertThat(y.shape()).as(k).containsExactly(x.shape());
            assertThat(y.data()).as(k).isEqualTo(x.data());
        }
    }

    /** Every archive/data/* record starts on a 64-byte boundary, as PyTorch writes them. */
    private static void dataEntriesAligned(Path file) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        int records = 0;
        while (b.getInt(off) == 0x04034b50) {
            int size = b.getInt(off + 18);
            int n = b.getShort(off + 26) & 0xFFFF;
            int e = b.getShort(off + 28) & 0xFFFF;
            String name = new String(b.array(), off + 30, n, java.nio.charset.StandardCharsets.UTF_8);
            int data = off + 30 + n + e;
            if (name.startsWith("archive/data/")) {
                assertThat(data % 64).as(name + " data offset").isZero();
                records++;
            }
            off = data + size;
        }
        assertThat(records).isPositive();
    }
}
