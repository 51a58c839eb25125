// Using beit3-java's exported retrieval towers from plain ONNX Runtime: only com.microsoft.onnxruntime:onnxruntime
// on the class path, no beit3-java class. Run with the JDK's source launcher:
//
//   java -cp onnxruntime-1.23.2.jar PlainOnnxRuntime.java DIR IMAGE.png "0 5 46 16 12 44 9 43 2"
//
// DIR holds retrieval_image.onnx and retrieval_text.onnx (beit3 export --onnx); the ids are a tokenized text as the
// graph's metadata describes (<s> … </s>; here one text, no padding). Prints the embeddings' first values and the
// cosine similarity (the embeddings are L2-normalised, so it is their dot product).
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;
import javax.imageio.ImageIO;

public class PlainOnnxRuntime {
    public static void main(String[] args) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession image = env.createSession(args[0] + "/retrieval_image.onnx", new OrtSession.SessionOptions());
                OrtSession text = env.createSession(args[0] + "/retrieval_text.onnx", new OrtSession.SessionOptions())) {
            // what the image tower expects is in its metadata
            Map<String, String> meta = image.getMetadata().getCustomMetadata();
            int s = Integer.parseInt(meta.get("beit3.image_size"));
            String[] mean = meta.get("beit3.image_mean").split(",");
            String[] std = meta.get("beit3.image_std").split(",");
            System.out.println("image tower: " + meta.get("beit3.image_transform") + ", mean " + meta.get("beit3.image_mean")
                    + ", std " + meta.get("beit3.image_std"));

            BufferedImage img = ImageIO.read(new File(args[1]));
            if (img.getWidth() != s || img.getHeight() != s) { // AWT bicubic: close to, not exactly, PIL's resize
                BufferedImage r = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = r.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
                g.drawImage(img, 0, 0, s, s, null);
                g.dispose();
                img = r;
            }
            float[] px = new float[3 * s * s]; // (1, 3, S, S), RGB, channel first
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int rgb = img.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        int v = (rgb >> (16 - 8 * c)) & 0xFF;
                        px[(c * s + y) * s + x] = (v / 255f - Float.parseFloat(mean[c])) / Float.parseFloat(std[c]);
                    }
                }
            }
            float[] e;
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), new long[] {1, 3, s, s});
                    OrtSession.Result r = image.run(Map.of("pixel_values", t))) {
                e = ((float[][]) r.get(0).getValue())[0];
            }

            long[] ids = Arrays.stream(args[2].trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
            long[] mask = new long[ids.length]; // 0 = real token, 1 = padding
            float[] f;
            try (OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length});
                    OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, ids.length});
                    OrtSession.Result r = text.run(Map.of("input_ids", i, "padding_mask", m))) {
                f = ((float[][]) r.get(0).getValue())[0];
            }
            double cos = 0;
            for (int k = 0; k < e.length; k++) {
                cos += e[k] * f[k];
            }
            System.out.printf("image_embedding[0..3] %.6f %.6f %.6f%n", e[0], e[1], e[2]);
            System.out.printf("text_embedding[0..3]  %.6f %.6f %.6f%n", f[0], f[1], f[2]);
            System.out.printf("cosine %.6f%n", cos);
        }
    }
}
