package dev.beit3.core.testing;

/** Comparisons of result vectors in the accuracy tests, computed in double precision. */
public final class Vectors {
    private Vectors() {}

    /**
     * The cosine of the angle between two vectors.
     *
     * @param a a vector
     * @param b a vector of the same length
     * @return a·b / (|a| |b|)
     */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " values");
        }
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
