package dev.beit3.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.train.Mains;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@link TrainBench} as a program (moved from beit3-train's MainsTest): exit 0 on help, 2 on bad input naming the option. */
class TrainBenchTest {
    private record Run(int code, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter err = new StringWriter();
        int code = Mains.execute(command, args, new PrintWriter(err, true));
        System.out.println("exit " + code + " for " + String.join(" ", args) + ": "
                + err.toString().lines().findFirst().orElse(""));
        return new Run(code, err.toString());
    }

    @Test
    void trainBenchRefusesBadOptionsBeforeAnyWork() {
        Run image = run(new TrainBench(), "--image", "384");
        assertThat(image.code()).isEqualTo(2);
        assertThat(image.err()).contains("--image must be 224");
        Run runs = run(new TrainBench(), "--runs");
        assertThat(runs.code()).isEqualTo(2);
        assertThat(runs.err()).contains("--runs");
        Run unknown = run(new TrainBench(), "--base");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--base");
        assertThat(run(new TrainBench(), "--help").code()).isZero();
    }
}
