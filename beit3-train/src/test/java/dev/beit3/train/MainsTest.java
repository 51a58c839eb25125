package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The programs of this module on picocli: exit 0 done or help, 2 bad input naming the option, no work done. */
class MainsTest {
    private record Run(int code, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter err = new StringWriter();
        int code = Mains.execute(command, args, new PrintWriter(err, true));
        System.out.println("exit " + code + " for " + String.join(" ", args) + ": "
                + err.toString().lines().findFirst().orElse(""));
        return new Run(code, err.toString());
    }

    @Test
    void shapesWorldWritesADatasetAndRefusesBadOptions(@TempDir Path tmp) {
        Path out = tmp.resolve("vqa");
        assertThat(run(new ShapesWorld.Main(), "--task", "vqa", "--count", "3", "--seed", "2", "--out", out.toString())
                .code()).isZero();
        assertThat(out.resolve(TrainingData.FILE)).exists();
        Path bad = tmp.resolve("bad");
        Run task = run(new ShapesWorld.Main(), "--task", "nlvr2", "--out", bad.toString());
        assertThat(task.code()).isEqualTo(2);
        assertThat(task.err()).contains("--task", "nlvr2");
        Run count = run(new ShapesWorld.Main(), "--count", "ten", "--out", bad.toString());
        assertThat(count.code()).isEqualTo(2);
        assertThat(count.err()).contains("--count", "ten");
        Run missing = run(new ShapesWorld.Main(), "--task", "vqa");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--out");
        Run stray = run(new ShapesWorld.Main(), "vqa", "--help");
        assertThat(stray.code()).isEqualTo(2);
        assertThat(stray.err()).contains("'vqa'");
        assertThat(Files.exists(bad)).isFalse();
    }
}
