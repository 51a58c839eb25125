package dev.beit3.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The transform spec names itself as the reference does and checks its size. */
class ImageTransformSpecTest {
    @Test
    void transformSpecNamesItselfAsTheReferenceAndRefusesAbsurdSizes() {
        assertThat(ImageTransformSpec.vlEval(480)).hasToString("vl_eval_480");
        assertThat(ImageTransformSpec.imagenetEval(224)).hasToString("imagenet_eval_224");
        assertThatThrownBy(() -> ImageTransformSpec.vlEval(0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("outside [1, " + ImageTransformSpec.MAX_SIZE + "]");
        assertThatThrownBy(() -> ImageTransformSpec.vlEval(ImageTransformSpec.MAX_SIZE + 1))
                .isInstanceOf(InvalidInputException.class);
    }
}
