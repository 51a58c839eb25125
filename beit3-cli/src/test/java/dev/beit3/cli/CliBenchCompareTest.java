package dev.beit3.cli;

import static dev.beit3.cli.CliTasksTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code beit3 bench --compare-pytorch}: its interpreter and checkout flags, without running a benchmark. */
class CliBenchCompareTest {
    @Test
    void theInterpreterAndCheckoutFlagsAreRefusedWithoutCompare() {
        CliTasksTest.Run r = run("bench", "--python", "/usr/bin/python3", "--only", "gemm");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--python and --torchscale only apply with --compare-pytorch");
        assertThat(run("bench", "--torchscale", "/tmp", "--soak", "1").code()).isEqualTo(2);
    }

    @Test
    void anUnknownBackendIsABadOptionNamingTheAvailableOnes() {
        CliTasksTest.Run r = run("bench", "--kernels", "nosuch", "--only", "gemm");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown kernel backend 'nosuch'", "djl").doesNotContain("internal error");
    }

    @Test
    void theHelpNamesTheFlagsAndTheirVariables() {
        CliTasksTest.Run r = run("bench", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("--compare-pytorch", "--python=PATH", "$BEIT3_PYTHON", "--torchscale=DIR",
                "$BEIT3_TORCHSCALE");
    }
}
