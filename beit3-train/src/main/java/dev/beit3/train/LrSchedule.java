package dev.beit3.train;

/**
 * The reference's {@code utils.cosine_scheduler}, per optimizer step: a linear warm-up from
 * {@code warmupStart} to {@code base} over {@code warmupSteps} (inclusive end points, as
 * {@code np.linspace}), then {@code min + ½(base − min)(1 + cos(π·i/n))} over the remaining n steps.
 *
 * @param base the peak learning rate
 * @param min the final learning rate
 * @param warmupStart the first warm-up value (0 in the reference)
 * @param warmupSteps warm-up steps
 * @param totalSteps all steps (epochs × steps per epoch)
 */
public record LrSchedule(double base, double min, double warmupStart, long warmupSteps, long totalSteps) {
    /** Validates. */
    public LrSchedule {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 ≤ warmupSteps ≤ totalSteps, 0 < totalSteps; got " + warmupSteps
                    + ", " + totalSteps);
        }
    }

    /**
     * A constant rate (e.g. the fixtures' single step at the peak).
     *
     * @param lr the rate
     * @param steps total steps
     * @return the schedule
     */
    public static LrSchedule constant(double lr, long steps) {
        return new LrSchedule(lr, lr, lr, 0, steps);
    }

    /**
     * The learning rate of a step (clamped to the last value past the end).
     *
     * @param step 0-based optimizer step
     * @return the rate
     */
    public double at(long step) {
        long s = Math.min(Math.max(step, 0), totalSteps - 1);
        if (s < warmupSteps) {
            return warmupSteps == 1 ? warmupStart : warmupStart + (base - warmupStart) * s / (double) (warmupSteps - 1);
        }
        long n = totalSteps - warmupSteps;
        long i = s - warmupSteps;
        return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * i / n));
    }
}
