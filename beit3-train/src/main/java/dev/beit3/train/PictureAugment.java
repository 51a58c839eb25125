package dev.beit3.train;

import dev.beit3.api.RgbImage;
import java.util.Random;

/**
 * A random change of a training picture after the crop and flip, before normalisation: the reference's
 * {@code --randaug} ({@link RandAugment} for image classification, {@link VlRandomAugment} for the
 * vision-language tasks) or a user's own.
 */
public interface PictureAugment {
    /**
     * Augments one picture.
     *
     * @param img the picture
     * @param rng the picture's own random source (seeded per example, so batches are reproducible)
     * @return the augmented picture (possibly {@code img} itself)
     */
    RgbImage apply(RgbImage img, Random rng);
}
