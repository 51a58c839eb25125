package dev.beit3.model;

import ai.djl.Application;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.repository.MRL;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Progress;
import dev.beit3.api.Api;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A DJL model zoo (group {@value #GROUP_ID}, artifact {@value #ARTIFACT_ID}) that loads BEiT-3 checkpoints
 * from local files, so {@code Criteria} works:
 *
 * <pre>{@code
 * Criteria<Image, Classifications> c = Criteria.builder().setTypes(Image.class, Classifications.class)
 *     .optGroupId(Beit3ModelZoo.GROUP_ID).optArtifactId(Beit3ModelZoo.ARTIFACT_ID)
 *     .optArgument("checkpoint", "beit3_base_patch16_224_in1k.pth").build();
 * try (ZooModel<Image, Classifications> m = c.loadModel(); Predictor<Image, Classifications> p = m.newPredictor()) {
 *     Classifications r = p.predict(image);
 * }
 * }</pre>
 *
 * <p>Arguments: {@code checkpoint} (required), {@code tokenizer}, {@code head}, {@code imageSize},
 * {@code attentionHeads}, {@code maxTextLength}, {@code labels} (a file: JSON list or one per line), or
 * {@code package} + {@code task} for a model package such as the embedded demo. Nothing is downloaded.
 * The translator is chosen from the Criteria's types: Image→Classifications, Image→float[] (image
 * embedding), String→float[] (text embedding), ImageQuestion→String (VQA), Image→String (caption).
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class Beit3ModelZoo extends ModelZoo {
    /** The zoo's group id. */
    public static final String GROUP_ID = "dev.beit3";
    /** The loader's artifact id. */
    public static final String ARTIFACT_ID = "beit3";

    /** Creates the zoo (ServiceLoader via {@link Beit3ZooProvider}). */
    public Beit3ModelZoo() {
        addModel(new Loader());
    }

    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    @Override
    public Set<String> getSupportedEngines() {
        return Set.of("PyTorch");
    }

    /**
     * Wraps an already loaded model as a DJL {@link ZooModel} with the given translator; closing the
     * ZooModel closes the BEiT-3 model.
     *
     * @param beit3 the model
     * @param translator how inputs and outputs are converted (see {@link Beit3Translators})
     * @param <I> input type
     * @param <O> output type
     * @return the DJL model
     */
    public static <I, O> ZooModel<I, O> wrap(Beit3 beit3, Translator<I, O> translator) {
        Model m = Model.newInstance("beit3-" + beit3.headId(), "PyTorch");
        Map<String, String> options = new HashMap<>();
        if (beit3.headId().equals("captioning")) {
            var d = beit3.decoding();
            options.put("beamSize", String.valueOf(d.beams()));
            options.put("maxLength", String.valueOf(d.maxLength()));
            options.put("lengthPenalty", String.valueOf(d.lengthPenalty()));
            options.put("maskId", String.valueOf(d.maskId()));
        }
        m.setBlock(new Beit3Block(beit3, options));
        return new ZooModel<>(m, translator) {
            @Override
            public void close() {
                super.close();
                beit3.close();
            }
        };
    }

    /** The one loader of the zoo. */
    private static final class Loader implements ModelLoader {
        @Override
        public String getGroupId() {
            return GROUP_ID;
        }

        @Override
        public String getArtifactId() {
            return ARTIFACT_ID;
        }

        @Override
        public Application getApplication() {
            return Application.UNDEFINED;
        }

        @Override
        public MRL getMrl() {
            return null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
                throws ModelNotFoundException, MalformedModelException {
            Map<String, Object> a = criteria.getArguments();
            Beit3.Builder b;
            if (a.containsKey("package")) {
                b = ModelPackage.open(Path.of(a.get("package").toString())).builder(String.valueOf(a.get("task")));
            } else if (a.containsKey("checkpoint")) {
                b = Beit3.builder().checkpoint(Path.of(a.get("checkpoint").toString()));
                if (a.containsKey("tokenizer")) {
                    b.tokenizer(Path.of(a.get("tokenizer").toString()));
                }
                if (a.containsKey("head")) {
                    b.head(a.get("head").toString());
                }
                if (a.containsKey("labels")) {
                    b.labels(Labels.read(Path.of(a.get("labels").toString())));
                }
            } else {
                throw new ModelNotFoundException("the beit3 zoo needs the argument checkpoint (a .pth or .safetensors"
                        + " file) or package + task");
            }
            if (a.containsKey("imageSize")) {
                b.imageSize(Integer.parseInt(a.get("imageSize").toString()));
            }
            if (a.containsKey("attentionHeads")) {
                b.attentionHeads(Integer.parseInt(a.get("attentionHeads").toString()));
            }
            if (a.containsKey("maxTextLength")) {
                b.maxTextLength(Integer.parseInt(a.get("maxTextLength").toString()));
            }
            Beit3 model = b.build();
            try {
                Translator<I, O> t = null;
                TranslatorFactory f = criteria.getTranslatorFactory();
                if (f != null && f.isSupported(criteria.getInputClass(), criteria.getOutputClass())) {
                    t = f.newInstance(criteria.getInputClass(), criteria.getOutputClass(), null, a);
                }
                if (t == null) {
                    t = (Translator<I, O>) defaultTranslator(model, criteria.getInputClass(), criteria.getOutputClass());
                }
                return wrap(model, t);
            } catch (RuntimeException | ai.djl.translate.TranslateException e) {
                model.close();
                throw new MalformedModelException("no translator for " + criteria.getInputClass().getSimpleName()
                        + " → " + criteria.getOutputClass().getSimpleName() + ": " + e.getMessage(), e);
            }
        }

        private static Translator<?, ?> defaultTranslator(Beit3 m, Class<?> in, Class<?> out) {
            if (in == Image.class && out == Classifications.class) {
                return Beit3Translators.classification(m);
            } else if (in == Image.class && out == float[].class) {
                return Beit3Translators.imageEmbedding(m);
            } else if (in == String.class && out == float[].class) {
                return Beit3Translators.textEmbedding(m);
            } else if (in == ImageQuestion.class && out == String.class) {
                return Beit3Translators.vqa(m);
            } else if (in == Image.class && out == String.class) {
                return Beit3Translators.caption(m);
            }
            throw new IllegalArgumentException("supported types: Image→Classifications, Image→float[], String→float[],"
                    + " ImageQuestion→String, Image→String");
        }

        @Override
        public <I, O> boolean isDownloaded(Criteria<I, O> criteria) {
            return true;
        }

        @Override
        public <I, O> void downloadModel(Criteria<I, O> criteria, Progress progress) {
            // local files only: nothing to download
        }
    }
}
