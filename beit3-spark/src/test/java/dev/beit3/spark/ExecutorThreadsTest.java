package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import org.junit.jupiter.api.Test;

/** An executor's engine threads follow the same bound as every other entry point (4 × its processors). */
class ExecutorThreadsTest {
    @Test
    void zeroMeansTheEngineDefaultAndACountWithinTheBoundIsKept() {
        assertThat(ExecutorModels.threadsPerExecutor(0)).isZero();
        assertThat(ExecutorModels.threadsPerExecutor(1)).isEqualTo(1);
        int max = 4 * Runtime.getRuntime().availableProcessors();
        assertThat(ExecutorModels.threadsPerExecutor(max)).isEqualTo(max);
    }

    @Test
    void moreThanFourThreadsPerProcessorIsRefusedNamingTheParameter() {
        int tooMany = 4 * Runtime.getRuntime().availableProcessors() + 1;
        assertThatThrownBy(() -> ExecutorModels.threadsPerExecutor(tooMany))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("threadsPerExecutor").hasMessageContaining(Integer.toString(tooMany))
                .hasMessageContaining("available processors");
    }
}
