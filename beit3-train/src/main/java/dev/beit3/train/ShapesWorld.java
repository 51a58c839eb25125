package dev.beit3.train;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.beit3.api.RgbImage;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The demo's "shapes world" (see {@code models/demo/README.md}), regenerated in Java: 64×64 pictures of one
 * or two coloured circles, squares and triangles on a light background, with their captions, class labels
 * and questions, written in the {@link TrainingData} folder format.
 *
 * <ul>
 *   <li>background: grey level 222–250, each channel ±6;
 *   <li>shape {@code circle}, {@code square} (side 2r), {@code triangle} (base 2r, height 2r, pointing up),
 *       all filling the 2r×2r box around the centre;
 *   <li>colour: red, green, blue, yellow, purple, orange (base RGB estimated from the demo samples, each
 *       channel jittered ±15);
 *   <li>size: small (r 5.5–7) or large (r 10.5–12.5);
 *   <li>position: left (13, 32), right (51, 32), top (32, 13), bottom (32, 51), center (32, 32), each jittered
 *       ±2.5 px and shifted to stay inside the image; two shapes at different positions, boxes not touching;
 *   <li>drawn at 4× (256×256) and box-filtered down (anti-aliased edges);
 *   <li>caption {@code a <size> <color> <shape> <where>}, two shapes joined by {@code and}, the first one
 *       earlier in the order left, top, center, bottom, right; class label colour × shape (18 classes, the
 *       demo's {@code imageclassification_labels.json}); the nine question types of the demo README with the
 *       21 answers of its {@code vqa_answers.json}.
 * </ul>
 *
 * <p>Differences from the reference generator (whose code is not available): Java's random numbers and
 * Java2D rasterisation, so the same seed gives other scenes, and the colour bases are estimates.
 */
public final class ShapesWorld {
    /** Shapes. */
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    /** Colours. */
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow", "purple", "orange");
    /** Positions in caption order (left, top, center, bottom, right). */
    public static final List<String> POSITIONS = List.of("left", "top", "center", "bottom", "right");
    /** The demo's VQA answers (index = logit index). */
    public static final List<String> ANSWERS = List.of("yes", "no", "zero", "one", "two", "red", "green", "blue",
            "yellow", "purple", "orange", "circle", "square", "triangle", "small", "large", "left", "right", "top",
            "bottom", "center");
    private static final int[][] RGB = {{220, 40, 30}, {40, 160, 60}, {30, 75, 215}, {240, 195, 20}, {140, 50, 180},
        {245, 135, 20}};
    private static final double[][] XY = {{13, 32}, {32, 13}, {32, 32}, {32, 51}, {51, 32}};
    private static final Map<String, String> WHERE = Map.of("left", "on the left", "right", "on the right", "top",
            "at the top", "bottom", "at the bottom", "center", "in the center");
    private static final int SIZE = 64;
    private static final int SCALE = 4;

    private ShapesWorld() {}

    /**
     * One shape of a scene.
     *
     * @param shape circle, square or triangle
     * @param color colour name
     * @param size small or large
     * @param position left, top, center, bottom or right
     * @param x centre x in pixels
     * @param y centre y in pixels
     * @param r half the box side
     * @param rgb the jittered colour
     */
    public record Shape(String shape, String color, String size, String position, double x, double y, double r,
            int[] rgb) {}

    /**
     * A scene.
     *
     * @param background background RGB
     * @param shapes one or two shapes, in caption order
     */
    public record Scene(int[] background, List<Shape> shapes) {
        /**
         * The caption, e.g. {@code a small red square on the left and a large blue circle on the right}.
         *
         * @return the caption
         */
        public String caption() {
            return caption(true, true);
        }

        /**
         * A caption with or without the sizes and positions, e.g. {@code a red square and a blue circle}
         * (the shorter retrieval texts of the demo's training data).
         *
         * @param sizes whether to name the sizes
         * @param positions whether to name the positions
         * @return the text
         */
        public String caption(boolean sizes, boolean positions) {
            List<String> parts = new ArrayList<>();
            for (Shape s : shapes) {
                parts.add("a " + (sizes ? s.size() + " " : "") + s.color() + " " + s.shape()
                        + (positions ? " " + WHERE.get(s.position()) : ""));
            }
            return String.join(" and ", parts);
        }

        /**
         * The class index of a one-shape scene: colour index × 3 + shape index.
         *
         * @return the label
         */
        public int classLabel() {
            Shape s = shapes.get(0);
            return COLORS.indexOf(s.color()) * 3 + SHAPES.indexOf(s.shape());
        }
    }

    /**
     * The 18 class names, {@code red circle, red square, …, orange triangle}.
     *
     * @return the names
     */
    public static List<String> classNames() {
        List<String> out = new ArrayList<>();
        for (String c : COLORS) {
            for (String s : SHAPES) {
                out.add(c + " " + s);
            }
        }
        return out;
    }

    /**
     * A random scene.
     *
     * @param count 1 or 2 shapes
     * @param rng the random source
     * @return the scene
     */
    public static Scene scene(int count, Random rng) {
        int level = 222 + rng.nextInt(29);
        int[] bg = new int[3];
        for (int c = 0; c < 3; c++) {
            bg[c] = clamp(level + rng.nextInt(13) - 6);
        }
        while (true) {
            List<Shape> shapes = new ArrayList<>();
            List<Integer> used = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int pos;
                do {
                    pos = rng.nextInt(POSITIONS.size());
                } while (used.contains(pos));
                used.add(pos);
                boolean large = rng.nextBoolean();
                double r = large ? 10.5 + 2.0 * rng.nextDouble() : 5.5 + 1.5 * rng.nextDouble();
                double x = XY[pos][0] + (rng.nextDouble() * 5 - 2.5);
                double y = XY[pos][1] + (rng.nextDouble() * 5 - 2.5);
                x = Math.min(Math.max(x, r), SIZE - r);
                y = Math.min(Math.max(y, r), SIZE - r);
                int ci = rng.nextInt(COLORS.size());
                int[] rgb = new int[3];
                for (int c = 0; c < 3; c++) {
                    rgb[c] = clamp(RGB[ci][c] + rng.nextInt(31) - 15);
                }
                shapes.add(new Shape(SHAPES.get(rng.nextInt(3)), COLORS.get(ci), large ? "large" : "small",
                        POSITIONS.get(pos), x, y, r, rgb));
            }
            if (count == 2 && touching(shapes.get(0), shapes.get(1))) {
                continue;
            }
            shapes.sort(Comparator.comparingInt(s -> POSITIONS.indexOf(s.position())));
            return new Scene(bg, List.copyOf(shapes));
        }
    }

    private static boolean touching(Shape a, Shape b) {
        return Math.abs(a.x() - b.x()) < a.r() + b.r() + 1 && Math.abs(a.y() - b.y()) < a.r() + b.r() + 1;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /**
     * Draws a scene at 4× and box-filters it down to 64×64.
     *
     * @param s the scene
     * @return the picture
     */
    public static BufferedImage render(Scene s) {
        int big = SIZE * SCALE;
        BufferedImage hi = new BufferedImage(big, big, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = hi.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setColor(new Color(s.background()[0], s.background()[1], s.background()[2]));
        g.fillRect(0, 0, big, big);
        for (Shape sh : s.shapes()) {
            g.setColor(new Color(sh.rgb()[0], sh.rgb()[1], sh.rgb()[2]));
            double x0 = (sh.x() - sh.r()) * SCALE;
            double y0 = (sh.y() - sh.r()) * SCALE;
            double side = 2 * sh.r() * SCALE;
            switch (sh.shape()) {
                case "circle" -> g.fill(new Ellipse2D.Double(x0, y0, side, side));
                case "square" -> g.fill(new Rectangle2D.Double(x0, y0, side, side));
                default -> g.fill(new Polygon(new int[] {(int) Math.round(x0), (int) Math.round(x0 + side / 2),
                    (int) Math.round(x0 + side)}, new int[] {(int) Math.round(y0 + side), (int) Math.round(y0),
                    (int) Math.round(y0 + side)}, 3));
            }
        }
        g.dispose();
        BufferedImage out = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        int[] hiPx = ((java.awt.image.DataBufferInt) hi.getRaster().getDataBuffer()).getData(); // 0xRRGGBB rows
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int r = 0;
                int gg = 0;
                int b = 0;
                for (int dy = 0; dy < SCALE; dy++) {
                    for (int dx = 0; dx < SCALE; dx++) {
                        int p = hiPx[(y * SCALE + dy) * big + x * SCALE + dx];
                        r += (p >> 16) & 0xff;
                        gg += (p >> 8) & 0xff;
                        b += p & 0xff;
                    }
                }
                int n = SCALE * SCALE;
                out.setRGB(x, y, ((r + n / 2) / n) << 16 | ((gg + n / 2) / n) << 8 | ((b + n / 2) / n));
            }
        }
        return out;
    }

    /**
     * The picture as RGB pixels.
     *
     * @param s the scene
     * @return 64×64 pixels
     */
    public static RgbImage pixels(Scene s) {
        BufferedImage img = render(s);
        byte[] px = new byte[SIZE * SIZE * 3];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int p = img.getRGB(x, y);
                int i = (y * SIZE + x) * 3;
                px[i] = (byte) (p >> 16);
                px[i + 1] = (byte) (p >> 8);
                px[i + 2] = (byte) p;
            }
        }
        return new RgbImage(SIZE, SIZE, px);
    }

    /**
     * A question about a scene whose answer is defined, of a type drawn uniformly among those that apply.
     *
     * @param s the scene
     * @param rng the random source
     * @return {type, question, answer}
     */
    public static String[] question(Scene s, Random rng) {
        List<String[]> options = questions(s, rng);
        return options.get(rng.nextInt(options.size()));
    }

    /** The nine question types of the demo README, in its order. */
    public static final List<String> QUESTION_TYPES = List.of("count", "count_shape", "count_color",
            "color_of_shape", "shape_at_pos", "color_at_pos", "size_of", "where", "exists");

    /**
     * One question of each type that is defined for the scene.
     *
     * @param s the scene
     * @param rng the random source
     * @return {type, question, answer} per defined type
     */
    static List<String[]> questions(Scene s, Random rng) {
        List<String[]> options = new ArrayList<>();
        List<Shape> sh = s.shapes();
        options.add(new String[] {"count", "how many shapes are there?", number(sh.size())});
        // the counted shape / colour is one of the scene's with probability 1/2, else any (as "is there a …"):
        // the reference's answer mix of these types (most frequent answer 52 % / 56 %) needs both
        String anyShape = rng.nextBoolean() ? sh.get(rng.nextInt(sh.size())).shape() : SHAPES.get(rng.nextInt(3));
        options.add(new String[] {"count_shape", "how many " + anyShape + "s are there?",
            number((int) sh.stream().filter(x -> x.shape().equals(anyShape)).count())});
        String anyColor = rng.nextBoolean() ? sh.get(rng.nextInt(sh.size())).color()
                : COLORS.get(rng.nextInt(COLORS.size()));
        options.add(new String[] {"count_color", "how many " + anyColor + " shapes are there?",
            number((int) sh.stream().filter(x -> x.color().equals(anyColor)).count())});
        Shape pick = sh.get(rng.nextInt(sh.size()));
        if (sh.stream().filter(x -> x.shape().equals(pick.shape())).count() == 1) {
            options.add(new String[] {"color_of_shape", "what color is the " + pick.shape() + "?", pick.color()});
        }
        options.add(new String[] {"shape_at_pos", "what shape is " + WHERE.get(pick.position()) + "?", pick.shape()});
        options.add(new String[] {"color_at_pos", "what color is the shape " + WHERE.get(pick.position()) + "?",
            pick.color()});
        String named = pick.color() + " " + pick.shape();
        if (sh.stream().filter(x -> (x.color() + " " + x.shape()).equals(named)).count() == 1) {
            options.add(new String[] {"size_of", "what size is the " + named + "?", pick.size()});
            options.add(new String[] {"where", "where is the " + named + "?", pick.position()});
        }
        String qc = rng.nextBoolean() ? pick.color() : COLORS.get(rng.nextInt(COLORS.size()));
        String qs = rng.nextBoolean() ? pick.shape() : SHAPES.get(rng.nextInt(3));
        boolean exists = sh.stream().anyMatch(x -> x.color().equals(qc) && x.shape().equals(qs));
        options.add(new String[] {"exists", "is there a " + qc + " " + qs + "?", exists ? "yes" : "no"});
        return options;
    }

    /**
     * A scene (one or two shapes, equally likely) and a question of the given type about it: scenes are
     * drawn until the type is defined, so question types are equally likely when {@code type} is
     * (the demo's test set).
     *
     * @param type one of {@link #QUESTION_TYPES}
     * @param rng the random source
     * @return the scene and {type, question, answer}
     */
    static Map.Entry<Scene, String[]> questionOfType(String type, Random rng) {
        while (true) {
            Scene s = scene(1 + rng.nextInt(2), rng);
            for (String[] q : questions(s, rng)) {
                if (q[0].equals(type)) {
                    return Map.entry(s, q);
                }
            }
        }
    }

    /** Upper-cases the first letter (the capitalized question and caption starts of the training data). */
    private static String capitalize(String t) {
        return Character.toUpperCase(t.charAt(0)) + t.substring(1);
    }

    private static String number(int n) {
        return List.of("zero", "one", "two").get(n);
    }

    /**
     * Writes a dataset folder ({@code images/*.png}, {@code data.jsonl}, and {@code labels.json} or
     * {@code answers.json}) for a task.
     *
     * @param dir the folder (created)
     * @param task imageclassification (one-shape scenes), vqa, retrieval (distinct captions), captioning (one- or
     *     two-shape scenes, equally likely)
     * @param count number of examples
     * @param seed the seed
     * @throws IOException on I/O failure
     */
    public static void write(Path dir, String task, int count, long seed) throws IOException {
        write(dir, task, count, seed, false);
    }

    /**
     * Writes a dataset folder, as the demo's test set or as its training data.
     *
     * <p>Test set (as the demo's {@code metrics.json}): VQA question types equally likely, every question
     * lower case ending with {@code ?}; retrieval captions all distinct, one- and two-shape scenes
     * alternating. Training data (the demo README's rules): the same VQA type mix, but 30 % of the
     * questions capitalized ({@code What}, {@code How}, {@code Is}, {@code Where}) and 15 % without the
     * final {@code ?}; retrieval texts may repeat, 20 % are shorter (sizes and/or positions left out) and
     * 30 % start with {@code A}. Captioning and classification data are the same in both.
     *
     * @param dir the folder (created)
     * @param task imageclassification, vqa, retrieval or captioning
     * @param count number of examples
     * @param seed the seed
     * @param training training-data variations (see above)
     * @throws IOException on I/O failure
     */
    public static void write(Path dir, String task, int count, long seed, boolean training) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Random rng = new Random(seed);
        Gson gson = new Gson();
        java.util.Set<String> captions = new java.util.HashSet<>();
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(TrainingData.FILE), StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                int n = task.equals("imageclassification") ? 1
                        : task.equals("retrieval") && !training ? 1 + i % 2 : 1 + rng.nextInt(2);
                String[] q = null;
                Scene s;
                if (task.equals("vqa")) {
                    var e = questionOfType(QUESTION_TYPES.get(rng.nextInt(QUESTION_TYPES.size())), rng);
                    s = e.getKey();
                    q = e.getValue().clone();
                    if (training && rng.nextDouble() < 0.3) {
                        q[1] = capitalize(q[1]);
                    }
                    if (training && rng.nextDouble() < 0.15) {
                        q[1] = q[1].substring(0, q[1].length() - 1);
                    }
                } else {
                    s = scene(n, rng);
                    while (task.equals("retrieval") && !training && !captions.add(s.caption())) {
                        s = scene(n, rng); // test pairs need distinct captions
                    }
                }
                String file = String.format(Locale.ROOT, "images/%06d.png", i);
                ImageIO.write(render(s), "png", dir.resolve(file).toFile());
                JsonObject o = new JsonObject();
                o.addProperty("image", file);
                switch (task) {
                    case "imageclassification" -> o.addProperty("label", s.classLabel());
                    case "vqa" -> {
                        o.addProperty("question", q[1]);
                        o.addProperty("answer", q[2]);
                        o.addProperty("type", q[0]);
                    }
                    case "retrieval" -> {
                        String text = s.caption();
                        if (training && rng.nextDouble() < 0.2) {
                            int drop = rng.nextInt(3); // 0: sizes, 1: positions, 2: both
                            text = s.caption(drop == 1, drop == 0);
                        }
                        o.addProperty("text", training && rng.nextDouble() < 0.3 ? capitalize(text) : text);
                    }
                    case "captioning" -> o.addProperty("caption", s.caption());
                    default -> throw new IllegalArgumentException("the shapes world has no " + task + " data");
                }
                w.write(gson.toJson(o));
                w.newLine();
            }
        }
        if (task.equals("imageclassification")) {
            Files.writeString(dir.resolve("labels.json"), gson.toJson(classNames()));
        } else if (task.equals("vqa")) {
            Files.writeString(dir.resolve("answers.json"), gson.toJson(ANSWERS));
        }
    }

    /**
     * {@code ShapesWorld --task T --count N --seed S --out DIR [--split test|train]}: writes a dataset folder
     * ({@code --help} for the options). Exit codes: 0 done, 2 bad input, 1 internal error.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(Mains.execute(new Main(), args, new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** The command line of {@link #main}. */
    @Command(name = "ShapesWorld", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Writes a shapes-world dataset folder (data.jsonl and images) in the training data format.")
    static final class Main implements Callable<Integer> {
        @Option(names = "--task", paramLabel = "TASK", defaultValue = "imageclassification",
                description = "imageclassification, vqa, retrieval or captioning (default: ${DEFAULT-VALUE})")
        String task;

        @Option(names = "--count", paramLabel = "N", defaultValue = "1000",
                description = "number of examples (default: ${DEFAULT-VALUE})")
        int count;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "the seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", paramLabel = "DIR", required = true, description = "the dataset folder (created)")
        Path out;

        @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "test",
                description = "test (the reference's test-set rules) or train (the training-text rules; default:"
                        + " ${DEFAULT-VALUE})")
        String split;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (!List.of("imageclassification", "vqa", "retrieval", "captioning").contains(task)) {
                throw new ParameterException(spec.commandLine(), "--task must be imageclassification, vqa,"
                        + " retrieval or captioning, got '" + task + "'");
            }
            if (!split.equals("test") && !split.equals("train")) {
                throw new ParameterException(spec.commandLine(), "--split must be test or train, got '" + split + "'");
            }
            if (count < 1) {
                throw new ParameterException(spec.commandLine(), "--count must be at least 1, got " + count);
            }
            long t0 = System.nanoTime();
            write(out, task, count, seed, split.equals("train"));
            System.err.printf(Locale.ROOT, "wrote %d %s examples to %s in %.1f s%n", count, task, out,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        }
    }
}
